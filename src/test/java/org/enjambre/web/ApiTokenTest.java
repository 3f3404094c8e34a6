package org.enjambre.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenTest {
    @TempDir
    Path dir;

    @Test
    void firstStartMakesA256BitTokenReadableByItsOwnerOnlyAndLaterStartsReadIt() throws Exception {
        Path file = ApiToken.defaultFile(Map.of("XDG_CONFIG_HOME", dir.toString()));
        assertThat(file).isEqualTo(dir.resolve("enjambre/api-token"));
        // Without XDG_CONFIG_HOME, the HOME the process was given (a scratch one in training runs).
        assertThat(ApiToken.defaultFile(Map.of("HOME", "/scratch/home"))).isEqualTo(Path.of("/scratch/home/.config/enjambre/api-token"));
        String made = ApiToken.resolve(null, Map.of(), file);
        assertThat(made).matches("[0-9a-f]{64}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(ApiToken.resolve(null, Map.of(), file)).isEqualTo(made);
        assertThat(ApiToken.generate()).isNotEqualTo(made);
    }

    @Test
    void theCommandLineWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = dir.resolve("api-token");
        Files.writeString(file, "from-the-file-0123456789\n");
        Map<String, String> env = Map.of(ApiToken.ENV, "from-the-environment-0123");
        assertThat(ApiToken.resolve("from-the-command-line-01", env, file)).isEqualTo("from-the-command-line-01");
        assertThat(ApiToken.resolve(null, env, file)).isEqualTo("from-the-environment-0123");
        assertThat(ApiToken.resolve(null, Map.of(ApiToken.ENV, " "), file)).isEqualTo("from-the-file-0123456789");
    }

    @Test
    void aTokenTooShortOrThatCannotTravelInAHeaderIsRefused() throws Exception {
        assertThatThrownBy(() -> ApiToken.resolve("short", Map.of(), dir.resolve("x"))).hasMessageContaining("16 to 512");
        assertThatThrownBy(() -> ApiToken.check("has a space in the middle")).hasMessageContaining("without spaces");
        Path file = dir.resolve("bad");
        Files.writeString(file, "tiny");
        assertThatThrownBy(() -> ApiToken.resolve(null, Map.of(), file)).isInstanceOf(IOException.class)
                .hasMessageContaining("delete the file");
    }

    @Test
    void theWebPortIsLoopbackOnlyWhenItsAddressIs() {
        assertThat(WebAccess.local().loopback()).isTrue();
        assertThat(new WebAccess("::1", ApiToken.generate(), null, 1).loopback()).isTrue();
        assertThat(new WebAccess("0.0.0.0", ApiToken.generate(), null, 1).loopback()).isFalse();
        assertThat(new WebAccess("192.0.2.7", ApiToken.generate(), null, 1).loopback()).isFalse();
    }
}
