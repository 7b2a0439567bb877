package io.imagegate.gateway.cli;

import io.imagegate.gateway.policy.MalformedPolicyException;
import io.imagegate.gateway.policy.PolicyParser;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code imagegate user policy set|get|delete}: a user's access policy (IAM's grammar; docs/API.md,
 * "Access policies"). It is checked as a bucket policy is, then stored in ZooKeeper, so every
 * gateway applies it within moments.
 */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Set, show or remove a user's access policy.",
        subcommands = {UserPolicyCommand.Set.class, UserPolicyCommand.Get.class, UserPolicyCommand.Delete.class})
final class UserPolicyCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Give a user the policy in FILE (JSON, IAM's grammar), replacing any it had.")
    static final class Set implements Callable<Integer> {
        @Parameters(index = "0", description = "User name.")
        String name;

        @Parameters(index = "1", description = "Policy document (JSON); - reads standard input.")
        String file;

        @ArgGroup(exclusive = true)
        UserCommand.Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            byte[] document = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            try {
                PolicyParser.userPolicy(document);
            } catch (MalformedPolicyException e) {
                throw new IllegalArgumentException("MalformedPolicy: " + e.getMessage() + " (" + file + ")");
            }
            UserCommand.withStore(target, auth, meta -> {
                try {
                    meta.putUserPolicy(name, new PolicyDocument(new String(document, StandardCharsets.UTF_8)));
                } catch (MetadataException.NoSuchUser e) {
                    throw new IllegalArgumentException("no user named " + name);
                }
                return null;
            });
            System.out.println("policy set for user " + name);
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Print a user's policy as it was set.")
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", description = "User name.")
        String name;

        @ArgGroup(exclusive = true)
        UserCommand.Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            Optional<PolicyDocument> policy = UserCommand.withStore(target, auth, meta -> meta.user(name)
                    .map(u -> meta.userPolicy(u.canonicalId()))
                    .orElseThrow(() -> new IllegalArgumentException("no user named " + name)));
            if (policy.isEmpty()) {
                System.err.println("user " + name + " has no policy");
                return 1;
            }
            System.out.println(policy.get().text());
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a user's policy.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", description = "User name.")
        String name;

        @ArgGroup(exclusive = true)
        UserCommand.Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            boolean had = UserCommand.withStore(target, auth, meta -> {
                try {
                    return meta.deleteUserPolicy(name);
                } catch (MetadataException.NoSuchUser e) {
                    throw new IllegalArgumentException("no user named " + name);
                }
            });
            System.out.println(had ? "policy of user " + name + " removed" : "user " + name + " had no policy");
            return 0;
        }
    }
}
