//! The small network that the store contract tests and the HTTP tests both start from, kept
//! as a real file (`fixtures/small-network.json`) so that the two suites cannot drift apart.

use portico_engine::{
    Engine, EngineError, NewChannelInput, NewSiteInput, NewUserInput, PasswordRule,
};
use serde_json::Value;

const SMALL_NETWORK: &str = include_str!("../fixtures/small-network.json");

/// Creates the small network through the engine's use cases; every user gets `password`.
pub fn seed_small_network(engine: &Engine, password: &str) -> Result<(), EngineError> {
    let bad = |what: &str| EngineError::internal(format!("small-network.json: {what}"));
    let net: Value = serde_json::from_str(SMALL_NETWORK)
        .map_err(|e| EngineError::internal_from("small-network.json", e))?;
    let list = |key: &str| {
        net.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let text = |v: &Value, key: &str| v[key].as_str().map(str::to_owned);
    for u in list("users") {
        engine.create_user_as_operator(
            NewUserInput {
                username: text(&u, "username").ok_or_else(|| bad("a user without a name"))?,
                password: password.to_owned(),
                display_name: None,
                network_admin: u
                    .get("network_admin")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            PasswordRule::DemoOnly,
        )?;
    }
    for s in list("sites") {
        let slug = text(&s, "slug").ok_or_else(|| bad("a site without a slug"))?;
        engine.create_site(
            None,
            NewSiteInput {
                slug: slug.clone(),
                name: format!("Cổng {slug}"),
                kind: text(&s, "kind").ok_or_else(|| bad("a site without a kind"))?,
                parent: text(&s, "parent"),
                domains: vec![],
                theme: None,
            },
        )?;
        for name in s
            .get("channels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            engine.create_channel(
                None,
                &slug,
                NewChannelInput {
                    name: name.as_str().unwrap_or_default().to_owned(),
                    slug: None,
                    parent: None,
                    position: None,
                },
            )?;
        }
    }
    for r in list("roles") {
        let (Some(user), Some(site), Some(role)) =
            (text(&r, "user"), text(&r, "site"), text(&r, "role"))
        else {
            return Err(bad("a role without user, site or role"));
        };
        engine.set_role(None, &site, &user, &role, true)?;
    }
    Ok(())
}
