package io.imagegate.meta;

/** A bucket's versioning state, as S3 has it: never enabled, enabled, or suspended. */
public enum Versioning { UNVERSIONED, ENABLED, SUSPENDED }
