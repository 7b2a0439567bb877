package io.imagegate.agent.daemon;

import io.imagegate.agent.cache.CacheStats;
import java.util.List;

/** The whole agent as {@code status} shows it: its process, the node cache, and every export. */
public record AgentStatus(long pid, String control, String dataDir, CacheStats cache, List<ExportStatus> exports,
                          List<String> dormant) {}
