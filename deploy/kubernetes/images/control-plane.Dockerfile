# The control plane image the manifests run. Build from the repository root after `./mvnw -B -ntp package -DskipTests`:
#   docker build -f deploy/kubernetes/images/control-plane.Dockerfile -t gatehouse/control-plane:0.1.0 .
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gatehouse && useradd --system --uid 10001 --gid 10001 --no-create-home gatehouse
COPY management-api/target/quarkus-app/ /opt/gatehouse/control-plane/
USER 10001:10001
EXPOSE 8001
CMD ["java", "-XX:MaxRAMPercentage=70", "-jar", "/opt/gatehouse/control-plane/quarkus-run.jar"]
