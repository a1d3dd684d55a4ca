# The gateway node image the manifests run (a shell is needed: the StatefulSet reads the node's credential file).
# Build from the repository root after `./mvnw -B -ntp package -DskipTests`:
#   docker build -f deploy/kubernetes/images/gateway-node.Dockerfile -t gatehouse/gateway-node:0.1.0 .
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gatehouse && useradd --system --uid 10001 --gid 10001 --no-create-home gatehouse
COPY gateway-node/target/gatehouse-gateway-node-0.1.0-SNAPSHOT-all.jar /opt/gatehouse/gateway-node.jar
USER 10001:10001
EXPOSE 8000 8100
CMD ["java", "-XX:MaxRAMPercentage=70", "-jar", "/opt/gatehouse/gateway-node.jar"]
