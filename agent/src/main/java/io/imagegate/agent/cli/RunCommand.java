package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.Agent;
import io.imagegate.agent.daemon.AgentConfig;
import io.imagegate.tls.TlsFileException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code run}: the agent in the foreground (what {@code attach} starts in the background, or systemd runs). */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent in the foreground; attachments left on disk are served again.")
final class RunCommand implements java.util.concurrent.Callable<Integer> {

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        AgentConfig config = daemon.config();
        Agent agent;
        try {
            agent = Agent.start(config, daemon.nbdTls());
        } catch (TlsFileException e) {
            String option = e.file().equals(daemon.nbdTls().certificate()) ? "--tls-cert " : "--tls-key ";
            throw new IllegalArgumentException(option + e.getMessage(), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            agent.close();
            stopped.countDown();
        };
        agent.onShutdown(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
        System.err.println("imagegate-agent running: pid " + ProcessHandle.current().pid() + ", control "
                + config.controlSocket() + ", data " + config.dataDir() + ", cache " + config.cacheDir());
        stopped.await();
        return 0;
    }
}
