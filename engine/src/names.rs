//! Stable names for the engine's unit enums (states, actions, roles, kinds...).
//!
//! The API, the store, the search index and the cache tags all spell these values the same
//! way; one macro writes `ALL`, `as_str`, `Display` and `FromStr` for each, so a new variant
//! cannot be forgotten in one of them. Serde's `rename_all = "snake_case"` must give the same
//! names: a test per enum checks it.

/// `named!(Type, "what it is called in messages", { Variant => "name", ... })`.
macro_rules! named {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: [$ty; [$($name),+].len()] = [$($ty::$variant),+];

            /// The stable name used in the API, the store and messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            /// The value by its stable name.
            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $ty::parse(s).ok_or_else(|| {
                    format!(
                        "unknown {} '{s}'; expected one of: {}",
                        $what,
                        [$($name),+].join(", ")
                    )
                })
            }
        }
    };
}

pub(crate) use named;

#[cfg(test)]
mod tests {
    use crate::{
        Action, EffectStatus, ItemKind, MediaType, OnlineLevel, ProcedureLevel, RelationKind, Role,
        SiteKind, State,
    };

    /// The macro's names and serde's agree, so JSON and the store spell a value alike.
    fn agree<T: serde::Serialize + Copy + std::fmt::Display + std::str::FromStr>(all: &[T])
    where
        <T as std::str::FromStr>::Err: std::fmt::Debug,
    {
        for v in all {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json.as_str(), Some(v.to_string().as_str()));
            assert!(v.to_string().parse::<T>().is_ok());
        }
    }

    #[test]
    fn names_match_serde_for_every_enum() {
        agree(&State::ALL);
        agree(&Action::ALL);
        agree(&Role::ALL);
        agree(&ItemKind::ALL);
        agree(&SiteKind::ALL);
        agree(&EffectStatus::ALL);
        agree(&ProcedureLevel::ALL);
        agree(&OnlineLevel::ALL);
        agree(&RelationKind::ALL);
        agree(&MediaType::ALL);
        agree(&crate::EventKind::ALL);
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        assert_eq!(
            "writer".parse::<Role>().unwrap_err(),
            "unknown role 'writer'; expected one of: author, editor, approver, site_admin"
        );
    }
}
