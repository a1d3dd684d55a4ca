import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the benchmarks read of the processes they start (resident memory, heap after a full GC), and the few things
 * every benchmark program needs besides: a command's output, a free port, a wait for a condition. The programs run
 * as single source files, so the scripts compile this class first and put it on their class path.
 */
public final class ProcessProbe {
    private ProcessProbe() {
    }

    /** Resident set size in bytes, from /proc/<pid>/status; -1 where it does not say. */
    public static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /** Heap in use right after a full GC the JVM is asked for (jcmd): what the live data takes. */
    public static long heapAfterGc(long pid) throws Exception {
        run("jcmd", String.valueOf(pid), "GC.run");
        String info = run("jcmd", String.valueOf(pid), "GC.heap_info");
        long total = 0;
        // Serial and Parallel: "def new generation total …, used N K" / "PSYoungGen …used N K", then the old generation's;
        // G1 one line for the whole heap ("total N K, used" on JDK 17, "total reserved …, committed …, used" later).
        Matcher used = Pattern.compile("(?:new generation|PSYoungGen|tenured generation|ParOldGen|garbage-first heap)\\s+total[^\\n]*?used (\\d+)K").matcher(info);
        while (used.find()) {
            total += Long.parseLong(used.group(1)) * 1024;
        }
        return total;
    }

    /** Runs a command to its end; its output and error output together. */
    public static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            String line;
            while ((line = reader.readLine()) != null) {
                out.append(line).append('\n');
            }
        }
        process.waitFor();
        return out.toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Polls every 5 ms until the condition holds; fails after the timeout. */
    public static void await(Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within " + timeout);
            }
            Thread.sleep(5);
        }
    }
}
