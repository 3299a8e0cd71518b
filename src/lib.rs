//! clerk: turn a plain-language prompt into the right Clerk Backend API call, offline.

pub mod catalog;
pub mod index;
