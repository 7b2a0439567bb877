package io.imagegate.bench.agentread;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Values read from a Prometheus text exposition (the gateway's {@code /metrics}). */
final class PromText {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PromText() {}

    /** The sum of every series of {@code metric} (exact name; NaN when there is none). */
    static double sum(String text, String metric) {
        double total = 0;
        boolean found = false;
        for (String line : text.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.find() && m.group(1).equals(metric)) {
                total += Double.parseDouble(m.group(4));
                found = true;
            }
        }
        return found ? total : Double.NaN;
    }

    /** The series of {@code metric} summed by the value of {@code label} (series without it under ""). */
    static Map<String, Double> byLabel(String text, String metric, String label) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (line.startsWith("#") || !m.find() || !m.group(1).equals(metric)) {
                continue;
            }
            String key = "";
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    if (l.group(1).equals(label)) {
                        key = l.group(2);
                    }
                }
            }
            out.merge(key, Double.parseDouble(m.group(4)), Double::sum);
        }
        return out;
    }
}
