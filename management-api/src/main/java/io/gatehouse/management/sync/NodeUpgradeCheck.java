package io.gatehouse.management.sync;

import io.gatehouse.management.nodes.NodeCredentials;
import io.gatehouse.protocol.sync.SyncChannel;
import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Only a node with a credential in force may open the config channel (the snapshot holds every key hash), and only
 * under the node id its credential is bound to: a node that names another id in {@value SyncChannel#NODE_ID_HEADER}
 * is refused with 403.
 */
@ApplicationScoped
public class NodeUpgradeCheck implements HttpUpgradeCheck {
    private static final Logger LOG = Logger.getLogger(NodeUpgradeCheck.class);

    @Inject
    NodeCredentials credentials;

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        String token = NodeCredentials.bearer(context.httpRequest().getHeader("Authorization"));
        String claimed = context.httpRequest().getHeader(SyncChannel.NODE_ID_HEADER);
        return credentials.verify(token).map(credential -> {
            if (context.httpRequest().response().closed() || context.httpRequest().isEnded()) {
                // The node hung up while its credential was checked: there is nothing left to upgrade, and letting
                // the upgrade go on makes the WebSocket layer fail on the finished request and log it as an ERROR.
                LOG.infof("a config channel request from %s ended before its check completed", context.httpRequest().remoteAddress());
                return CheckResult.rejectUpgradeSync(400);
            }
            if (credential == null) {
                LOG.warnf("refused a config channel from %s: no node credential in force", context.httpRequest().remoteAddress());
                return CheckResult.rejectUpgradeSync(401);
            }
            if (claimed != null && !claimed.equals(credential.nodeId())) {
                LOG.warnf("refused a config channel from %s: credential %s is bound to node %s, not %s",
                        context.httpRequest().remoteAddress(), credential.id(), credential.nodeId(), claimed.length() > 200 ? claimed.substring(0, 200) : claimed);
                return CheckResult.rejectUpgradeSync(403);
            }
            return CheckResult.permitUpgradeSync();
        }).onFailure().recoverWithItem(e -> {
            LOG.errorf("config channel check failed: %s", e.toString());
            return CheckResult.rejectUpgradeSync(503);
        });
    }
}
