package io.gatehouse.management.accounts;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Creates the accounts listed in {@code gatehouse.accounts.seed-file} that do not exist yet (local runs, demos). */
@ApplicationScoped
public class AccountSeeder {
    private static final Logger LOG = Logger.getLogger(AccountSeeder.class);

    @Inject
    AccountsConfig config;

    @Inject
    Accounts accounts;

    @Inject
    AccountStore store;

    void onStart(@Observes StartupEvent event) {
        config.seedFile().ifPresent(file -> seed(Path.of(file)));
    }

    void seed(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the account seed file " + file, e);
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t");
            if (fields.length != 4) {
                throw new IllegalArgumentException("account seed lines are: email<TAB>roles<TAB>team or -<TAB>password; got " + fields.length + " fields");
            }
            if (store.findByEmail(fields[0]).await().atMost(Duration.ofSeconds(10)) != null) {
                continue;
            }
            accounts.createLocal(fields[0], Accounts.roles(fields[1]), "-".equals(fields[2]) ? null : fields[2], fields[3]);
            LOG.infof("created account %s (%s)", fields[0], fields[1]);
        }
    }
}
