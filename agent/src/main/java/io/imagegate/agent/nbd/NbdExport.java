package io.imagegate.agent.nbd;

/** One export as a listener offers it: its name, a description for NBD_INFO_DESCRIPTION, and the device. */
public record NbdExport(String name, String description, BlockDevice device) {}
