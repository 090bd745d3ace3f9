//! Typed identifiers, so a site id can never be passed where an item id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id {
    ($(#[$m:meta])* $name:ident, $inner:ty) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use id;

id!(
    /// A portal in the network.
    SiteId,
    i64
);
id!(
    /// A channel (chuyên mục) of one site.
    ChannelId,
    i64
);
id!(
    /// A content item of any kind.
    ItemId,
    i64
);
id!(
    /// A person or machine account.
    UserId,
    i64
);
id!(
    /// The number of one revision of one item, counting from 1.
    RevisionNo,
    u32
);
