package io.gatehouse.gateway.audit;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuditSettingsTest {

    @Test
    void batchesDefaultToAThousandRecordsOrTwentyFiveMilliseconds() {
        AuditSettings settings = AuditSettings.load(Map.of("gatehouse.audit.enabled", "true")::get);
        assertEquals(1_024, settings.batchRecords());
        assertEquals(25, settings.batchLingerMs());
    }

    @Test
    void anOperatorSetsTheBatchSizeAndLinger() {
        AuditSettings settings = AuditSettings.load(Map.of(
                "gatehouse.audit.enabled", "true",
                "gatehouse.audit.batch-records", "64",
                "gatehouse.audit.batch-linger-ms", "0")::get);
        assertEquals(64, settings.batchRecords());
        assertEquals(0, settings.batchLingerMs());
    }

    @Test
    void aBatchSizeOrLingerOutOfRangeIsRefusedWithItsName() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> AuditSettings.load(Map.of("gatehouse.audit.batch-records", "0")::get));
        assertTrue(empty.getMessage().contains("gatehouse.audit.batch-records"), empty.getMessage());
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
                () -> AuditSettings.load(Map.of("gatehouse.audit.batch-records", "1000000")::get));
        assertTrue(huge.getMessage().contains("65536"), huge.getMessage());
        IllegalArgumentException linger = assertThrows(IllegalArgumentException.class,
                () -> AuditSettings.load(Map.of("gatehouse.audit.batch-linger-ms", "-1")::get));
        assertTrue(linger.getMessage().contains("gatehouse.audit.batch-linger-ms"), linger.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> AuditSettings.load(Map.of("gatehouse.audit.batch-linger-ms", "soon")::get));
        assertTrue(text.getMessage().contains("must be a number"), text.getMessage());
    }
}
