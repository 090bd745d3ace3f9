//! `portico user`: accounts made from the machine the data lives on (the first admin).

use crate::cli::UserCommand;
use crate::store::open;
use anyhow::{bail, Result};
use portico_engine::{NewUserInput, PasswordRule};
use std::io::BufRead;

pub fn run(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            username,
            admin,
            display_name,
            password_stdin,
            data,
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                let p = rpassword::prompt_password(format!("Password for {username}: "))?;
                let again = rpassword::prompt_password("Again: ")?;
                if p != again {
                    bail!("the two passwords differ");
                }
                p
            };
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
