//! The options reference in Markdown, made from the same clap definitions as `--help`, the
//! completions and the man pages (`thresh man --markdown`; `docs/options.md` is its output and
//! a test keeps the two equal), so the reference cannot drift from the flags.

use std::fmt::Write as _;

use clap::{Arg, ArgAction, Command};

/// The commands the reference describes, in order (completions and man print files only).
const COMMANDS: [&str; 4] = ["clean", "explain", "index", "merge"];

/// Every command's options, grouped under their help headings.
pub fn markdown(root: &mut Command) -> String {
    root.build();
    let mut out = String::from(
        "# Options reference\n\n\
         Every flag of `thresh clean`, `explain`, `index` and `merge`: what it does, its \
         default, how it combines with the others. This page is the output of `thresh man \
         --markdown`, made from the definitions `--help` prints, and a test keeps it equal to \
         that output; why each default was chosen is in [design.md](design.md#defaults-and-why).\n",
    );
    for name in COMMANDS {
        if let Some(cmd) = root.find_subcommand(name) {
            command(&mut out, cmd);
        }
    }
    out
}

/// The arguments a reader sets: not clap's own `--help` and `--version`, nor hidden ones.
fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set()
        && !matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        )
}

fn command(out: &mut String, cmd: &Command) {
    let name = cmd.get_name();
    let _ = write!(out, "\n## thresh {name}\n\n");
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default();
    for paragraph in about.split("\n\n") {
        let _ = write!(out, "{}\n\n", one_line(paragraph));
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage:").trim();
    let _ = writeln!(out, "```text\n{usage}\n```");
    let mut headings: Vec<Option<&str>> = Vec::new();
    for arg in cmd.get_arguments().filter(|a| shown(a)) {
        let heading = arg.get_help_heading();
        if !headings.contains(&heading) {
            headings.push(heading);
        }
    }
    for heading in headings {
        let _ = write!(
            out,
            "\n### {}\n\n| option | default | what it does |\n|---|---|---|\n",
            heading.unwrap_or("Options")
        );
        for arg in cmd
            .get_arguments()
            .filter(|a| shown(a) && a.get_help_heading() == heading)
        {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&format!("`{}`", flag(arg))),
                cell(&default(arg)),
                cell(&help(arg))
            );
        }
    }
}

/// `-o, --output OUT`, `INPUT...`, `--classifier STRENGTH`.
fn flag(arg: &Arg) -> String {
    let values: Vec<String> = arg
        .get_value_names()
        .map(|names| names.iter().map(|n| n.to_string()).collect())
        .unwrap_or_else(|| vec![arg.get_id().to_string().to_uppercase()]);
    if arg.is_positional() {
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
        return format!("{}{}", values.join(" "), if many { "..." } else { "" });
    }
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        names.push(format!("--{long}"));
    }
    let mut out = names.join(", ");
    if arg.get_action().takes_values() {
        out.push(' ');
        out.push_str(&values.join(" "));
    }
    out
}

/// The default as `--help` shows it; empty for flags and required arguments.
fn default(arg: &Arg) -> String {
    if !arg.get_action().takes_values() {
        return "off".into();
    }
    let values: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| format!("`{}`", v.to_string_lossy()))
        .collect();
    if values.is_empty() {
        if arg.is_required_set() {
            "required".into()
        } else {
            "none".into()
        }
    } else {
        values.join(", ")
    }
}

/// The long help, with the choices of an enumerated value and what each means.
fn help(arg: &Arg) -> String {
    let mut text = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|s| one_line(&s.to_string()))
        .unwrap_or_default();
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(h) => format!(
                "`{}` ({})",
                v.get_name(),
                h.to_string().trim_end_matches('.')
            ),
            None => format!("`{}`", v.get_name()),
        })
        .collect();
    if !choices.is_empty() && arg.get_action().takes_values() {
        if !text.is_empty() && !text.ends_with('.') {
            text.push('.');
        }
        let _ = write!(text, " Values: {}.", choices.join(", "));
    }
    text
}

/// Text on one line: wrapped lines joined, paragraphs kept apart.
fn one_line(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A table cell: pipes escaped, and angle brackets, which Markdown would take for HTML tags
/// (`attributes/<name>/`).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_visible_flag_of_clean_is_in_the_reference() {
        let mut root = crate::cli::Cli::command();
        let md = markdown(&mut root);
        let clean = root.find_subcommand("clean").unwrap();
        for arg in clean.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(md.contains(&format!("--{long}")), "--{long} missing");
            }
        }
        assert!(md.contains("| `--min-docs N` | `5` |"), "{md}");
        assert!(
            md.contains("`conservative` (Outside the article, only blocks with chrome cues go)")
        );
        assert!(md.contains("| `INPUT...` | required |"));
        assert!(
            md.contains("OUT/attributes/&lt;name&gt;/"),
            "angle brackets escaped"
        );
        assert!(
            !md.contains("`-h, --help`"),
            "clap's own help flags are left out"
        );
    }
}
