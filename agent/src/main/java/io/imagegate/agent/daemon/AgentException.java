package io.imagegate.agent.daemon;

/** A request the agent refuses or cannot do, with a message meant for the operator. */
public final class AgentException extends Exception {

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
