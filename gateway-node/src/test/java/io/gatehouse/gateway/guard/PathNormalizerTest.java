package io.gatehouse.gateway.guard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PathNormalizerTest {

    @Test
    void aPathInNormalFormIsReturnedAsTheSameInstance() {
        for (String path : new String[] {"/", "/orders/42", "/a/b.json", "/a/...b/..c/c..", "/a;v=1/b", "/~user/x-y_z", "/a/"}) {
            assertThat(PathNormalizer.normalise(path)).as(path).isSameAs(path);
        }
    }

    @Test
    void unreservedEscapesAreDecodedAndOthersUpperCased() {
        assertThat(PathNormalizer.normalise("/%61%62c/%7euser/%2D%5f%2e%30")).isEqualTo("/abc/~user/-_.0");
        assertThat(PathNormalizer.normalise("/caf%c3%a9/a%20b/%3f")).isEqualTo("/caf%C3%A9/a%20b/%3F");
    }

    @Test
    void slashesAreMerged() {
        assertThat(PathNormalizer.normalise("//orders///42//")).isEqualTo("/orders/42/");
        assertThat(PathNormalizer.normalise("/a//%62")).isEqualTo("/a/b");
    }

    @Test
    void dotSegmentsAreRefusedInAnySpelling() {
        for (String path : new String[] {"/..", "/.", "/a/../b", "/a/./b", "/a/..", "/a/.", "/%2e%2e/x", "/%2E%2E/x", "/.%2e/x",
                "/%2e./x", "/%2e/x", "/a/..;/b", "/a/..;jsessionid=1/b", "/a/.;x/b", "/a/%2e%2e;x", "/a//../b",
                "/a/..%2fb", "/a/..%5Cb", "/a/x%2f..%2fy", "/a/x%5c.", "/a/%252e%252e/../b"}) {
            assertThat(PathNormalizer.normalise(path)).as(path).isNull();
        }
    }

    @Test
    void malformedEscapesAndCharactersNoPathHoldsAreRefused() {
        for (String path : new String[] {"", "orders", "*", "/a%", "/a%2", "/a%zz", "/a%00b", "/a\\b", "/a b", "/a\tb", "/caf\u00e9", "/a\"b",
                "/a<b", "/a{b}"}) {
            assertThat(PathNormalizer.normalise(path)).as(path).isNull();
        }
    }

    @Test
    void encodedSlashesAreKeptEncodedForTheApiToDecide() {
        String kept = PathNormalizer.normalise("/files/a%2fb%5cc");
        assertThat(kept).isEqualTo("/files/a%2Fb%5Cc");
        assertThat(PathNormalizer.hasEncodedSlash(kept)).isTrue();
        assertThat(PathNormalizer.hasEncodedSlash(PathNormalizer.normalise("/files/a%20b"))).isFalse();
        assertThat(PathNormalizer.normalise("/%252e%252e/x")).as("a double-encoded dot is not a dot").isEqualTo("/%252e%252e/x");
    }
}
