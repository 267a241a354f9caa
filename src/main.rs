//! The `thresh` binary: parse flags, run the library, print messages, map the result to an exit
//! code. Exit codes: 0 success; 1 finished, but some inputs failed; 2 usage or configuration
//! error; 3 stopped by --strict before writing. A closed standard output is not an error.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use cli::{CleanArgs, Cli, Command};
use thresh::output::report;
use thresh::Error;

const EXIT_INPUTS_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_STOPPED: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Clean(args) => clean(&args),
    }
}

fn clean(args: &CleanArgs) -> ExitCode {
    let result = args.to_config().and_then(|cfg| {
        let outcome = thresh::pipeline::run(&cfg)?;
        Ok((cfg, outcome))
    });
    let (cfg, outcome) = match result {
        Ok(r) => r,
        Err(e) if e.is_broken_pipe() => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thresh: {e}");
            return ExitCode::from(exit_code_of(&e));
        }
    };
    let mut stderr = std::io::stderr().lock();
    for issue in &outcome.issues {
        let _ = writeln!(stderr, "{issue}");
    }
    if !args.quiet || !outcome.warnings.is_empty() {
        let _ = write!(
            stderr,
            "{}",
            report::summary(&outcome, &cfg.guard, cfg.dry_run)
        );
    }
    if args.verbose {
        let _ = write!(stderr, "{}", report::stage_timings(&outcome));
    }
    if outcome.stopped {
        ExitCode::from(EXIT_STOPPED)
    } else if outcome.failures() > 0 {
        ExitCode::from(EXIT_INPUTS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

fn exit_code_of(e: &Error) -> u8 {
    match e {
        Error::Guardrail(_) => EXIT_STOPPED,
        Error::Read { .. } | Error::Write { .. } => EXIT_INPUTS_FAILED,
        _ => EXIT_USAGE,
    }
}
