package io.imagegate.agent.remote;

/** What HeadObject says about one version: enough to pin it and to name its bytes in the cache. */
public record ObjectHead(String versionId, String etag, long size, String contentType) {}
