//! Server-side HTML themes for the portals: minijinja templates, one folder per theme, per-site
//! overrides (see DESIGN.md, "Themes").
//!
//! Empty on purpose: the delivery issue fills it. Until then Portico serves JSON only, and no
//! route pretends to serve HTML pages.
