//! eventflow
