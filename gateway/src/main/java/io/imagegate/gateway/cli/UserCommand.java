package io.imagegate.gateway.cli;

import io.imagegate.gateway.RootCredentials;
import io.imagegate.meta.EmbeddedZooKeeper;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.ZkMetadataStore;
import io.imagegate.meta.ZkStoreConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code imagegate user create|list|delete}: manage users while gateways run. Changes are in
 * ZooKeeper, so every gateway sees them at once.
 */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Create, list and delete users; set their policies.",
        subcommands = {UserCommand.Create.class, UserCommand.ListUsers.class, UserCommand.Delete.class,
                UserPolicyCommand.class})
final class UserCommand {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@+=-]{0,63}");

    /** Where the metadata lives: the embedded default under a data directory, or an ensemble. */
    static final class Target {
        @Option(names = "--data", description = "Data directory of an embedded-default gateway (default: ./data).")
        Path data;

        @Option(names = "--zookeeper", description = "ZooKeeper connect string of a cluster.")
        String zookeeper;
    }

    /** Opens the metadata store the target names, starting the embedded ZooKeeper if no gateway runs. */
    static <T> T withStore(Target target, ZooKeeperAuthOption auth, java.util.function.Function<MetadataStore, T> action)
            throws Exception {
        ZkStoreConfig config = ZkStoreConfig.defaults().withAuth(auth.resolve());
        if (target != null && target.zookeeper != null) {
            try (MetadataStore meta = ZkMetadataStore.connect(target.zookeeper, config)) {
                return action.apply(meta);
            }
        }
        Path dir = (target != null && target.data != null ? target.data : Path.of("data")).toAbsolutePath();
        try (EmbeddedZooKeeper.Connection zk = EmbeddedZooKeeper.attach(dir.resolve("zookeeper"));
             MetadataStore meta = ZkMetadataStore.connect(zk.connectString(), config)) {
            return action.apply(meta);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user and print its keys.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", description = "User name.")
        String name;

        @Option(names = "--access-key", description = "Access key to use (default: generated).")
        String accessKey;

        @Option(names = "--secret-key", description = "Secret key to use (default: generated).")
        String secretKey;

        @Option(names = "--email", description = "The user's e-mail address: ACL grants by e-mail address "
                + "(AmazonCustomerByEmail, emailAddress=...) name the one user that has it.")
        String email;

        @ArgGroup(exclusive = true)
        Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("a user name is 1 to 64 letters, digits or ._@+=- and starts with a letter or digit");
            }
            if (secretKey != null && secretKey.length() < 8) {
                throw new IllegalArgumentException("a secret key has at least 8 characters");
            }
            UserRecord user = new UserRecord(name, accessKey != null ? accessKey : RootCredentials.newAccessKey(),
                    secretKey != null ? secretKey : RootCredentials.newSecretKey(), Instant.now(), false)
                    .withEmail(email);
            withStore(target, auth, meta -> meta.createUser(user));
            System.out.println("user:       " + user.name());
            if (email != null) {
                System.out.println("email:      " + email);
            }
            System.out.println("access key: " + user.accessKey());
            System.out.println("secret key: " + user.secretKey());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users and their access keys.")
    static final class ListUsers implements Callable<Integer> {
        @ArgGroup(exclusive = true)
        Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            List<UserRecord> users = withStore(target, auth, MetadataStore::users);
            System.out.printf("%-24s %-24s %-8s %s%n", "NAME", "ACCESS KEY", "ADMIN", "CREATED");
            for (UserRecord u : users) {
                System.out.printf("%-24s %-24s %-8s %s%n", u.name(), u.accessKey(), u.admin() ? "yes" : "no", u.created());
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a user; its keys stop working at once.")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", description = "User name.")
        String name;

        @ArgGroup(exclusive = true)
        Target target;

        @Mixin
        ZooKeeperAuthOption auth;

        @Override
        public Integer call() throws Exception {
            if (name.equals(RootCredentials.ROOT_USER)) {
                throw new IllegalArgumentException("the root user cannot be deleted; change its keys instead");
            }
            withStore(target, auth, meta -> {
                meta.deleteUser(name);
                return null;
            });
            System.out.println("deleted user " + name);
            return 0;
        }
    }
}
