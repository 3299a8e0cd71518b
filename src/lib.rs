//! clerk: turn a plain-language prompt into the right Clerk Backend API call, offline.

pub mod catalog;
pub mod cli;
pub mod error;
pub mod index;
pub mod render;
pub mod request;
pub mod resolve;
pub mod safety;
pub mod transport;
