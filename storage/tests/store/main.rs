//! The store contract: every backend must pass these. Each test gets its own database.

mod support;

mod concurrency;
mod items;
mod network;
mod persistence;
