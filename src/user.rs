//! `portico user`: accounts made from the machine the data lives on (the first admin).

use crate::cli::UserCommand;
use crate::store::open;
use anyhow::{bail, Result};
use portico_engine::{NewUserInput, PasswordRule, UserPatch};
use std::io::BufRead;

/// A password from the first line of standard input, or asked for twice.
fn read_password(username: &str, stdin: bool) -> Result<String> {
    if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let p = rpassword::prompt_password(format!("Password for {username}: "))?;
    let again = rpassword::prompt_password("Again: ")?;
    if p != again {
        bail!("the two passwords differ");
    }
    Ok(p)
}

/// Changes a user on the operator's word.
fn change(data: &crate::cli::DataArgs, username: &str, patch: UserPatch, done: &str) -> Result<()> {
    let engine = open(data)?;
    let user = engine
        .update_user(None, username, patch)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("'{}' {done}", user.username);
    Ok(())
}

pub fn run(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::List { data } => {
            let engine = open(&data)?;
            let sites = engine.sites().map_err(|e| anyhow::anyhow!("{e}"))?;
            for u in engine.store().users().map_err(|e| anyhow::anyhow!("{e}"))? {
                let roles = engine
                    .store()
                    .roles_of(u.id)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let roles: Vec<String> = roles
                    .iter()
                    .filter_map(|(site, role)| {
                        let s = sites.iter().find(|s| s.id == *site)?;
                        Some(format!("{role}@{}", s.slug))
                    })
                    .collect();
                println!(
                    "{}\t{}{}{}\t{}",
                    u.username,
                    u.display_name,
                    if u.network_admin {
                        " [network admin]"
                    } else {
                        ""
                    },
                    if u.disabled { " [disabled]" } else { "" },
                    if roles.len() > 6 {
                        format!("{} roles on {} sites", roles.len(), {
                            let mut s: Vec<_> = roles.iter().map(|r| r.split('@').nth(1)).collect();
                            s.sort();
                            s.dedup();
                            s.len()
                        })
                    } else {
                        roles.join(", ")
                    }
                );
            }
            Ok(())
        }
        UserCommand::Disable { username, data } => change(
            &data,
            &username,
            UserPatch {
                disabled: Some(true),
                password: None,
                sso_link: None,
            },
            "is disabled; their sessions and tokens ended",
        ),
        UserCommand::Enable { username, data } => change(
            &data,
            &username,
            UserPatch {
                disabled: Some(false),
                password: None,
                sso_link: None,
            },
            "is enabled",
        ),
        UserCommand::ResetPassword {
            username,
            password_stdin,
            data,
        } => {
            let password = read_password(&username, password_stdin)?;
            change(
                &data,
                &username,
                UserPatch {
                    disabled: None,
                    password: Some(password),
                    sso_link: None,
                },
                "has a new password; their sessions and tokens ended",
            )
        }
        UserCommand::Add {
            username,
            admin,
            display_name,
            password_stdin,
            data,
        } => {
            let password = read_password(&username, password_stdin)?;
            let engine = open(&data)?;
            let user = engine
                .create_user_as_operator(
                    NewUserInput {
                        username,
                        password,
                        display_name,
                        network_admin: admin,
                    },
                    PasswordRule::Strong,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user '{}'{}",
                user.username,
                if user.network_admin {
                    " (network admin)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        UserCommand::Grant {
            username,
            site,
            role,
            data,
        } => {
            let engine = open(&data)?;
            engine
                .set_role(None, &site, &username, &role, true)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("'{username}' is {role} on '{site}'");
            Ok(())
        }
    }
}
