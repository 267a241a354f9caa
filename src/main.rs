//! The `thresh` binary: parse flags, run the library, draw progress, print messages, map the
//! result to an exit code; `reference` renders the flags as the Markdown options reference. Exit codes: 0 success; 1 finished, but some inputs failed; 2 usage
//! or configuration error; 3 stopped by --strict before writing; 130 interrupted (Ctrl-C),
//! unfinished temporary files removed. A closed standard output is not an error.

mod cli;
mod reference;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use clap::{CommandFactory, Parser};
use cli::{
    CleanArgs, Cli, ColorArg, Command, CompletionsArgs, ExplainArgs, IndexArgs, ManArgs, MergeArgs,
};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use thresh::output::report;
use thresh::progress::{Pass, Progress, Silent};
use thresh::Error;

const EXIT_INPUTS_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_STOPPED: u8 = 3;
const EXIT_INTERRUPTED: i32 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    ignore_file_size_signal();
    match cli.command {
        Command::Clean(args) => clean(&args),
        Command::Explain(args) => explain(&args),
        Command::Index(args) => index(&args),
        Command::Merge(args) => merge(&args),
        Command::Completions(args) => completions(&args),
        Command::Man(args) => man(&args),
    }
}

fn clean(args: &CleanArgs) -> ExitCode {
    remove_unfinished_files_on_interrupt();
    let bars = progress_for(args.quiet);
    // Standard input is read twice (count, then write), so it is spooled to a temporary file
    // that lives until the run ends.
    let mut spool: Option<tempfile::TempDir> = None;
    let result = args.to_config().and_then(|mut cfg| {
        if cfg.inputs.iter().any(|i| i.as_os_str() == "-") {
            let dir = tempfile::tempdir().map_err(|source| Error::Write {
                path: std::env::temp_dir(),
                source,
            })?;
            let path = thresh::input::spool_stdin(std::io::stdin().lock(), dir.path())?;
            for input in cfg.inputs.iter_mut().filter(|i| i.as_os_str() == "-") {
                *input = path.clone();
            }
            spool = Some(dir);
        }
        let outcome = thresh::pipeline::run_with_progress(&cfg, bars.as_ref())?;
        Ok((cfg, outcome))
    });
    let (cfg, outcome) = match result {
        Ok(r) => r,
        Err(e) => return failed(&e),
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

fn explain(args: &ExplainArgs) -> ExitCode {
    let bars = progress_for(args.quiet);
    let result = args.to_config().and_then(|cfg| {
        let outcome = thresh::pipeline::run_with_progress(&cfg, bars.as_ref())?;
        let index = thresh::explain::find_document(&outcome, &args.doc)?;
        thresh::explain::explain(&outcome, &cfg, index)
    });
    let explanation = match result {
        Ok(e) => e,
        Err(e) => return failed(&e),
    };
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &explanation)
            .map_err(std::io::Error::from)
            .and_then(|_| out.write_all(b"\n"))
    } else {
        let colour = use_colour(args.color, out.is_terminal());
        out.write_all(thresh::explain::render_text(&explanation, colour).as_bytes())
    };
    finish_stdout(written.and_then(|_| out.flush()))
}

fn index(args: &IndexArgs) -> ExitCode {
    remove_unfinished_files_on_interrupt();
    // The index is written by rename, so one that exists is complete: the marker that this
    // job (one shard of an array, say) is done.
    if !args.overwrite && args.output.exists() {
        eprintln!(
            "thresh: {} exists (a finished index); skipped. Give --overwrite to build it again",
            args.output.display()
        );
        return ExitCode::SUCCESS;
    }
    let bars = progress_for(args.quiet);
    let result = args.to_config().and_then(|cfg| {
        let built = thresh::pipeline::build_index(&cfg, args.shard, bars.as_ref())?;
        built.index.write(&args.output)?;
        Ok(built)
    });
    let built = match result {
        Ok(b) => b,
        Err(e) => return failed(&e),
    };
    for issue in &built.issues {
        eprintln!("{issue}");
    }
    if !args.quiet {
        eprintln!(
            "thresh: indexed {} files{}: {} documents, {} distinct, {} sites → {}",
            built.files,
            args.shard
                .map(|s| format!(" (shard {}/{})", s.index, s.count))
                .unwrap_or_default(),
            built.documents,
            built.index.docs().len(),
            built.index.sites().len(),
            args.output.display()
        );
    }
    if built.issues.iter().any(|i| i.kind.is_failure()) {
        ExitCode::from(EXIT_INPUTS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

fn merge(args: &MergeArgs) -> ExitCode {
    let result = thresh::index::Index::merge_files(&args.inputs)
        .and_then(|index| index.write(&args.output).map(|_| index));
    match result {
        Ok(index) => {
            eprintln!(
                "thresh: merged {} indexes: {} distinct documents, {} sites → {}",
                args.inputs.len(),
                index.docs().len(),
                index.sites().len(),
                args.output.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "thresh", &mut out);
    let mut stdout = std::io::stdout().lock();
    finish_stdout(stdout.write_all(&out).and_then(|_| stdout.flush()))
}

fn man(args: &ManArgs) -> ExitCode {
    let mut cmd = Cli::command();
    if args.markdown {
        let text = reference::markdown(&mut cmd);
        let mut stdout = std::io::stdout().lock();
        return finish_stdout(
            stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush()),
        );
    }
    // Building fills in what the subcommands inherit (binary name, version).
    cmd.build();
    let page = match &args.command {
        None => clap_mangen::Man::new(cmd),
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => clap_mangen::Man::new(sub.clone()).title(format!("thresh-{name}")),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!(
                    "thresh: no command {name:?}; man pages exist for: {}",
                    names.join(", ")
                );
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let mut out = Vec::new();
    let rendered = page.render(&mut out);
    let mut stdout = std::io::stdout().lock();
    finish_stdout(
        rendered
            .and_then(|_| stdout.write_all(&out))
            .and_then(|_| stdout.flush()),
    )
}

/// Ctrl-C: remove the temporary files being written, then exit 130. Files already renamed
/// into place are complete; a rerun writes the rest.
fn remove_unfinished_files_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        let removed = thresh::output::text::abandon_in_flight_writes();
        let spilled = thresh::spill::abandon_spill_dirs();
        eprintln!("thresh: interrupted; removed {removed} unfinished temporary files and {spilled} spill folders");
        std::process::exit(EXIT_INTERRUPTED);
    });
    if let Err(e) = installed {
        eprintln!("thresh: warning: cannot handle Ctrl-C ({e}); an interrupt may leave hidden temporary files");
    }
}

/// A full disk or a file-size limit (`ulimit -f`) must fail the one write with an error
/// naming the file, not kill the process with SIGXFSZ.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Colour for `--color`: `auto` means a terminal and no `NO_COLOR` (set and non-empty).
fn use_colour(choice: ColorArg, is_terminal: bool) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Success, or success too when the reader closed standard output (`thresh man | head`).
fn finish_stdout(written: std::io::Result<()>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("thresh: cannot write to standard output: {e}");
            ExitCode::from(EXIT_INPUTS_FAILED)
        }
    }
}

fn failed(e: &Error) -> ExitCode {
    if e.is_broken_pipe() {
        return ExitCode::SUCCESS;
    }
    eprintln!("thresh: {e}");
    ExitCode::from(exit_code_of(e))
}

fn exit_code_of(e: &Error) -> u8 {
    match e {
        Error::Guardrail(_) => EXIT_STOPPED,
        Error::Read { .. } | Error::Write { .. } => EXIT_INPUTS_FAILED,
        _ => EXIT_USAGE,
    }
}

/// Progress bars when standard error is a terminal and `-q` is not given; nothing otherwise,
/// so logs and pipes get only the summary.
fn progress_for(quiet: bool) -> Box<dyn Progress> {
    if quiet || !std::io::stderr().is_terminal() {
        Box::new(Silent)
    } else {
        Box::new(Bars::default())
    }
}

/// One bar per pass: files done of all, bytes, documents per second, time left.
#[derive(Default)]
struct Bars {
    bar: RwLock<Option<ProgressBar>>,
    bytes: Arc<AtomicU64>,
}

impl Progress for Bars {
    fn start(&self, pass: Pass, documents: u64) {
        self.bytes.store(0, Ordering::Relaxed);
        let bytes = Arc::clone(&self.bytes);
        let style = ProgressStyle::with_template(
            "{prefix:>15} {wide_bar:.cyan/blue} {pos}/{len} files, {done_bytes}, {docs_per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "done_bytes",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", HumanBytes(bytes.load(Ordering::Relaxed)));
            },
        )
        .with_key(
            "docs_per_sec",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} docs/s", state.per_sec());
            },
        )
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(documents), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_prefix(pass.label());
        if let Ok(mut slot) = self.bar.write() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, _pass: Pass, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if let Ok(slot) = self.bar.read() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(1);
            }
        }
    }

    fn finish(&self, _pass: Pass) {
        if let Ok(mut slot) = self.bar.write() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
