//! The configuration file (`--config FILE` or `PORTICO_CONFIG`), layered under the environment
//! and the flags.
//!
//! The flags in `cli` stay the one typed tree of settings: the file only supplies values for
//! the flags that neither the command line nor the environment gave, so each setting has one
//! name, one default and one parser. Keys are the long flags' names (`cache-mb = 256`); a key
//! at the top of the file applies to every command that has that flag, a key under `[serve]`,
//! `[edge]`, `[check]` or `[reindex]` to that command only (and wins over the top). A secret
//! (a flag whose value is hidden from `--help`) can also come from a file: `PORTICO_X_FILE` in
//! the environment or `x-file = "/run/secrets/x"` in the config file.

use crate::cli::Cli;
use anyhow::{anyhow, bail, Context, Result};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::path::Path;

/// Largest configuration file read: a settings file is a few kilobytes.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Parses the command line with the config file and `*_FILE` secrets layered under it; exits
/// with clap's message on bad flags (as a plain parse would).
pub fn parse(argv: Vec<OsString>) -> Result<Cli> {
    let command = Cli::command();
    let matches = command
        .clone()
        .try_get_matches_from(&argv)
        .unwrap_or_else(|e| e.exit());
    let (path, leaf_cmd, leaf) = leaf(&command, &matches);
    let file = match matches.get_one::<std::path::PathBuf>("config") {
        Some(p) => Some((p.clone(), read(p)?)),
        None => None,
    };
    if let Some((p, table)) = &file {
        validate(&command, table).with_context(|| format!("in {}", p.display()))?;
    }
    let section = path.first().copied().unwrap_or_default();
    let extra = layered(
        leaf_cmd,
        leaf,
        file.as_ref().map(|(_, t)| t),
        section,
        &|name| std::env::var_os(name),
    )?;
    if extra.is_empty() {
        return Cli::from_arg_matches(&matches).map_err(|e| anyhow!("{e}"));
    }
    let mut full = argv;
    full.extend(extra);
    let shown = file
        .as_ref()
        .map(|(p, _)| p.display().to_string())
        .unwrap_or_else(|| "a *_FILE secret".into());
    let matches = command
        .try_get_matches_from(&full)
        .map_err(|e| anyhow!("in {shown}: {}", first_line(&e.to_string())))?;
    Cli::from_arg_matches(&matches).map_err(|e| anyhow!("{e}"))
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim_start_matches("error: ")
}

/// The subcommand that runs (e.g. `user add`), its clap definition and its matches.
fn leaf<'a>(
    mut command: &'a clap::Command,
    mut matches: &'a ArgMatches,
) -> (Vec<&'a str>, &'a clap::Command, &'a ArgMatches) {
    let mut path = Vec::new();
    while let Some((name, sub)) = matches.subcommand() {
        let Some(next) = command.find_subcommand(name) else {
            break;
        };
        path.push(next.get_name());
        command = next;
        matches = sub;
    }
    (path, command, matches)
}

fn read(path: &Path) -> Result<toml::Table> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.len() > MAX_FILE_BYTES {
        bail!(
            "{} is larger than a settings file can be (1 MB)",
            path.display()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.parse::<toml::Table>()
        .map_err(|e| anyhow!("{} is not valid TOML: {e}", path.display()))
}

/// Flags a file may set: every long flag but `--config` itself and clap's own.
fn settable(command: &clap::Command) -> impl Iterator<Item = &Arg> {
    command.get_arguments().filter(|a| {
        a.get_long()
            .is_some_and(|l| !matches!(l, "config" | "help" | "version"))
    })
}

fn secret(arg: &Arg) -> bool {
    arg.is_hide_env_values_set()
}

/// Whether `key` names a flag of `command` (or the `-file` form of one of its secrets).
fn known(command: &clap::Command, key: &str) -> bool {
    settable(command).any(|a| {
        let long = a.get_long().unwrap_or_default();
        long == key || (secret(a) && key.strip_suffix("-file") == Some(long))
    })
}

/// The commands the file configures, each in a section of its name (`portico user ...` takes
/// only the top-level keys that it shares with them, like `data` and `store`).
fn commands(root: &clap::Command) -> Vec<&clap::Command> {
    root.get_subcommands()
        .filter(|c| !c.has_subcommands())
        .collect()
}

/// Refuses keys no command knows, naming them, before anything runs.
fn validate(root: &clap::Command, table: &toml::Table) -> Result<()> {
    let all = commands(root);
    for (key, value) in table {
        if let Some(section) = root.find_subcommand(key).filter(|c| !c.has_subcommands()) {
            let toml::Value::Table(inner) = value else {
                bail!("[{key}] must be a table of settings for `portico {key}`");
            };
            for k in inner.keys() {
                if !known(section, k) {
                    bail!("unknown key '{k}' in [{key}]{}", hint(k));
                }
            }
        } else if !all.iter().any(|c| known(c, key)) {
            bail!("unknown key '{key}'{}", hint(key));
        }
    }
    Ok(())
}

fn hint(key: &str) -> String {
    if key.contains('_') {
        format!(
            " (keys are spelt like the flags: '{}')",
            key.replace('_', "-")
        )
    } else {
        String::new()
    }
}

/// The flags to add so that the file and `*_FILE` secrets fill what the command line and the
/// environment left unset.
fn layered(
    command: &clap::Command,
    matches: &ArgMatches,
    file: Option<&toml::Table>,
    section: &str,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Vec<OsString>> {
    let own = file
        .and_then(|t| t.get(section))
        .and_then(toml::Value::as_table);
    let mut extra = Vec::new();
    for arg in settable(command) {
        let id = arg.get_id().as_str();
        let long = arg.get_long().unwrap_or_default();
        if matches!(
            matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        if secret(arg) {
            if let Some(var) = arg.get_env().and_then(|e| e.to_str()) {
                if let Some(p) = env(&format!("{var}_FILE")) {
                    extra.push(flag(long, &secret_file(Path::new(&p))?));
                    continue;
                }
            }
        }
        let pick = |key: &str| {
            own.and_then(|t| t.get(key))
                .or_else(|| file.and_then(|t| t.get(key)))
        };
        if secret(arg) {
            if let Some(p) = pick(&format!("{long}-file")) {
                let p = p
                    .as_str()
                    .ok_or_else(|| anyhow!("'{long}-file' must be a file name"))?;
                extra.push(flag(long, &secret_file(Path::new(p))?));
                continue;
            }
        }
        if let Some(value) = pick(long) {
            extra.extend(flags(arg, long, value)?);
        }
    }
    Ok(extra)
}

fn flag(long: &str, value: &str) -> OsString {
    format!("--{long}={value}").into()
}

/// A value given as TOML, as the flags that say the same.
fn flags(arg: &Arg, long: &str, value: &toml::Value) -> Result<Vec<OsString>> {
    let one = |v: &toml::Value| -> Result<String> {
        Ok(match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => bail!("'{long}' must be a string, a number or true/false"),
        })
    };
    match (arg.get_action(), value) {
        (ArgAction::SetTrue, toml::Value::Boolean(b)) => Ok(if *b {
            vec![format!("--{long}").into()]
        } else {
            vec![]
        }),
        (ArgAction::SetTrue, _) => bail!("'{long}' must be true or false"),
        (ArgAction::Append, toml::Value::Array(items)) => {
            items.iter().map(|v| Ok(flag(long, &one(v)?))).collect()
        }
        (_, toml::Value::Array(_)) => bail!("'{long}' takes one value, not a list"),
        (_, v) => Ok(vec![flag(long, &one(v)?)]),
    }
}

/// A secret read from a file, as container platforms mount them (one line, maybe a newline).
fn secret_file(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the secret in {}", path.display()))?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    fn parse_with(argv: &[&str], file: &str, env: &dyn Fn(&str) -> Option<OsString>) -> Cli {
        let command = Cli::command();
        let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
        let m = command.clone().try_get_matches_from(&argv).unwrap();
        let table: toml::Table = file.parse().unwrap();
        validate(&command, &table).unwrap();
        let (path, c, leaf_m) = leaf(&command, &m);
        let extra = layered(c, leaf_m, Some(&table), path[0], env).unwrap();
        let mut full = argv;
        full.extend(extra);
        Cli::from_arg_matches(&command.try_get_matches_from(full).unwrap()).unwrap()
    }

    fn serve(cli: Cli) -> crate::cli::ServeArgs {
        match cli.command {
            crate::cli::Command::Serve(s) => *s,
            _ => panic!("not serve"),
        }
    }

    #[test]
    fn the_file_fills_what_flags_leave_and_sections_win_over_the_top() {
        let file = r#"
            data = "/srv/portico"
            cache-mb = 64
            [serve]
            cache-mb = 128
            trusted-proxy = ["10.0.0.1", "10.0.0.2"]
            demo = true
            s3-path-style = false
        "#;
        let s = serve(parse_with(&["portico", "serve"], file, &no_env));
        assert_eq!(s.data.data, Path::new("/srv/portico"));
        assert_eq!(s.cache_mb, 128);
        assert_eq!(s.trusted_proxies.len(), 2);
        assert!(s.demo);
        assert!(!s.media.location.s3_path_style);
        let s = serve(parse_with(
            &["portico", "serve", "--cache-mb", "7"],
            file,
            &no_env,
        ));
        assert_eq!(s.cache_mb, 7, "a flag beats the file");
    }

    #[test]
    fn secrets_come_from_files_named_in_the_environment_or_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("token");
        std::fs::write(&token, "a-token-of-sixteen-chars\n").unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "a-media-key-of-enough-length").unwrap();
        let file = format!(
            "[serve]\nmedia-key-file = {:?}\n",
            key.display().to_string()
        );
        let t = token.clone();
        let env = move |name: &str| {
            (name == "PORTICO_EDGE_TOKEN_FILE").then(|| t.clone().into_os_string())
        };
        let s = serve(parse_with(&["portico", "serve"], &file, &env));
        assert_eq!(s.edge_token.as_deref(), Some("a-token-of-sixteen-chars"));
        assert_eq!(
            s.media.media_key.as_deref(),
            Some("a-media-key-of-enough-length")
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let command = Cli::command();
        let err = |text: &str| {
            validate(&command, &text.parse().unwrap())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(err("listen-port = 1"), "unknown key 'listen-port'");
        assert!(err("cache_mb = 1").contains("'cache-mb'"));
        assert_eq!(err("[edge]\ndemo = true"), "unknown key 'demo' in [edge]");
        assert!(err("serve = 3").contains("must be a table"));
        // Not a secret: no -file form.
        assert_eq!(err("listen-file = \"x\""), "unknown key 'listen-file'");
    }

    #[test]
    fn wrong_shapes_are_errors_not_guesses() {
        let command = Cli::command();
        let m = command
            .clone()
            .try_get_matches_from(["portico", "serve"])
            .unwrap();
        let (_, c, leaf_m) = leaf(&command, &m);
        for bad in [
            "demo = \"yes\"",
            "listen = [\"a\", \"b\"]",
            "listen = { a = 1 }",
        ] {
            let table: toml::Table = bad.parse().unwrap();
            assert!(
                layered(c, leaf_m, Some(&table), "serve", &no_env).is_err(),
                "{bad}"
            );
        }
    }

    /// The reference file names every flag a file can set, and nothing else.
    #[test]
    fn the_example_file_is_in_step_with_the_flags() {
        let example = include_str!("../portico.example.toml");
        let command = Cli::command();
        // Uncommented, the reference is a valid file of known keys.
        let uncommented: String = example
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|r| {
                        r.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        })
                    })
                    .unwrap_or(l)
            })
            .map(|l| if l.starts_with('#') { "" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let table: toml::Table = uncommented.parse().unwrap();
        validate(&command, &table).unwrap();
        let mut named = BTreeSet::new();
        for (k, v) in &table {
            match v.as_table() {
                Some(inner) => named.extend(inner.keys().map(|i| format!("{k}.{i}"))),
                None => {
                    named.insert(k.clone());
                }
            }
        }
        for c in commands(&command) {
            for arg in settable(c) {
                let long = arg.get_long().unwrap_or_default();
                let section = format!("{}.{long}", c.get_name());
                assert!(
                    named.contains(long) || named.contains(&section),
                    "portico.example.toml does not mention --{long} of `{}`",
                    c.get_name()
                );
            }
        }
    }
}
