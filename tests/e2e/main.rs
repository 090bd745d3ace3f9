//! End-to-end tests: the real server on 127.0.0.1, used over HTTP; and the real binary for
//! the demo network, the CLI and crash safety.

mod support;

mod bad_input;
mod binary;
mod permissions;
mod workflow;
