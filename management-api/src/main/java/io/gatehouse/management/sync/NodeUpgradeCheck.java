package io.gatehouse.management.sync;

import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Only nodes with the node token, and an id, may open the config channel: the snapshot holds every key hash. */
@ApplicationScoped
public class NodeUpgradeCheck implements HttpUpgradeCheck {
    private static final Logger LOG = Logger.getLogger(NodeUpgradeCheck.class);

    @Inject
    GatehouseConfig config;

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String authorization = context.httpRequest().getHeader("Authorization");
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : "";
        if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), config.node().token().getBytes(StandardCharsets.UTF_8))) {
            LOG.warnf("refused a config channel from %s: bad node token", context.httpRequest().remoteAddress());
            return CheckResult.rejectUpgrade(401);
        }
        String nodeId = context.httpRequest().getHeader(SyncChannel.NODE_ID_HEADER);
        if (nodeId == null || nodeId.isBlank() || nodeId.length() > 200) {
            return CheckResult.rejectUpgrade(400);
        }
        return CheckResult.permitUpgrade();
    }
}
