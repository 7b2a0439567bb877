/**
 * The checksums S3 requests and objects carry: x-amz-checksum-* (CRC32, CRC32C, CRC64NVME,
 * SHA1, SHA256), Content-MD5 and ETags, and the multipart forms (COMPOSITE over part digests,
 * FULL_OBJECT combined from part CRCs without rereading data).
 */
package io.imagegate.gateway.checksum;
