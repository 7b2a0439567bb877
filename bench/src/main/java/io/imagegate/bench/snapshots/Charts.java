package io.imagegate.bench.snapshots;

import io.imagegate.bench.ByteSize;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The report as PNG bar charts (log scales: the methods differ by orders of magnitude): bytes
 * and time per method for each workload of the main comparison, and bytes and time per chunk
 * size for the trade-off.
 */
final class Charts {

    private static final Color[] COLORS = {new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868),
            new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860), new Color(0xDA8BC3), new Color(0x8C8C8C),
            new Color(0xCCB974), new Color(0x64B5CD)};

    private final MultisnapshotReport report;
    private static final java.util.Map<String, Color> SERIES_COLORS = new java.util.HashMap<>(java.util.Map.ofEntries(
            java.util.Map.entry("changed chunks", COLORS[0]),
            java.util.Map.entry("bytes sent by the client", COLORS[1]),
            java.util.Map.entry("commit: sent", COLORS[1]),
            java.util.Map.entry("bytes added on disk", COLORS[2]),
            java.util.Map.entry("commit: added on disk", COLORS[2]),
            java.util.Map.entry("wall time for all snapshots", COLORS[3]),
            java.util.Map.entry("commit extension", COLORS[3]),
            java.util.Map.entry("CPU time, client + server", COLORS[4]),
            java.util.Map.entry("qcow2 overlays (cluster = chunk)", COLORS[7]),
            java.util.Map.entry("full uploads: sent", COLORS[8]),
            java.util.Map.entry("full uploads (extrapolated)", COLORS[5])));

    /** One colour per series name across all subplots and charts, so a legend entry means one thing. */
    private static Color color(String series) {
        return SERIES_COLORS.computeIfAbsent(series, k -> COLORS[6 + SERIES_COLORS.size() % 4]);
    }

    /** Value labels: one decimal below 10, none above. */
    private static final java.text.NumberFormat LABELS = new java.text.NumberFormat() {
        @Override
        public StringBuffer format(double v, StringBuffer to, java.text.FieldPosition pos) {
            return to.append(new DecimalFormat(Math.abs(v) < 10 ? "0.0" : "#,##0").format(v));
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, java.text.FieldPosition pos) {
            return format((double) v, to, pos);
        }

        @Override
        public Number parse(String source, java.text.ParsePosition pos) {
            throw new UnsupportedOperationException();
        }
    };

    Charts(MultisnapshotReport report) {
        this.report = report;
    }

    List<Path> write(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        List<Combo> main = report.combos().stream().filter(c -> !c.sweep()).toList();
        List<Combo> sweep = report.combos().stream().filter(Combo::sweep).toList();
        if (!main.isEmpty()) {
            out.add(save(dir.resolve("multisnapshot-bytes.png"), mainBytes(main), 1100, 420 * main.size() + 120));
            out.add(save(dir.resolve("multisnapshot-time.png"), mainTimes(main), 1100, 380 * main.size() + 120));
        }
        if (!sweep.isEmpty()) {
            out.add(save(dir.resolve("multisnapshot-chunk-sizes.png"), sweep(sweep), 1100, 900));
        }
        return out;
    }

    private JFreeChart mainBytes(List<Combo> combos) {
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(domainAxis("method"));
        for (Combo c : combos) {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            d.addValue(c.changedBytes() / (double) ByteSize.MIB, "changed chunks", "changed chunks");
            for (MultisnapshotReport.Row r : rowsOf(c)) {
                if (!r.method().equals("qcow2")) {
                    d.addValue(r.sent().median() / ByteSize.MIB, "bytes sent by the client", shortLabel(r));
                }
                d.addValue(r.storedStrict() / ByteSize.MIB, "bytes added on disk", shortLabel(r));
            }
            plot.add(subplot(d, c.name() + ": MiB, all " + c.writes().size() + " snapshots (log)"), 1);
        }
        return chart("Multisnapshot: bytes sent and stored for all snapshots, per method", plot);
    }

    private JFreeChart mainTimes(List<Combo> combos) {
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(domainAxis("method"));
        for (Combo c : combos) {
            DefaultCategoryDataset d = new DefaultCategoryDataset();
            for (MultisnapshotReport.Row r : rowsOf(c)) {
                if (r.method().equals("qcow2")) {
                    continue; // local file writes, not a transfer: in the tables only
                }
                String how = r.measured() < r.of() ? r.measured() + " of " + r.of() + " measured, extrapolated"
                        : "all " + r.of() + ", median of " + r.runs();
                d.addValue(r.seconds().median(), "wall time for all snapshots", shortLabel(r) + "\n(" + how + ")");
                d.addValue(r.clientCpu() + r.serverCpu(), "CPU time, client + server", shortLabel(r) + "\n(" + how + ")");
            }
            plot.add(subplot(d, c.name() + ": seconds for all " + c.writes().size() + " (log)"), 1);
        }
        return chart("Multisnapshot: time to make all snapshots, per method (" + threadsNote() + ")", plot);
    }

    private JFreeChart sweep(List<Combo> combos) {
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(domainAxis("chunk size (scattered writes)"));
        DefaultCategoryDataset bytes = new DefaultCategoryDataset();
        DefaultCategoryDataset times = new DefaultCategoryDataset();
        for (Combo c : combos) {
            String cs = new ByteSize(c.chunkSize()).toString();
            bytes.addValue(c.changedBytes() / (double) ByteSize.MIB, "changed chunks", cs);
            MultisnapshotReport.Row commit = report.find(c.name(), "commit", "imagegate");
            MultisnapshotReport.Row full = report.find(c.name(), "full-upload", "imagegate");
            MultisnapshotReport.Row qcow = report.find(c.name(), "qcow2", "qemu");
            if (commit != null) {
                bytes.addValue(commit.sent().median() / ByteSize.MIB, "commit: sent", cs);
                bytes.addValue(commit.storedStrict() / ByteSize.MIB, "commit: added on disk", cs);
                times.addValue(commit.seconds().median(), "commit extension", cs);
            }
            if (qcow != null) {
                bytes.addValue(report.qcow2(c.name()) / ByteSize.MIB, "qcow2 overlays (cluster = chunk)", cs);
            }
            if (full != null) {
                bytes.addValue(full.sent().median() / ByteSize.MIB, "full uploads: sent", cs);
                times.addValue(full.seconds().median(), "full uploads (extrapolated)", cs);
            }
        }
        Combo first = combos.getFirst();
        plot.add(subplot(bytes, "MiB for all " + first.writes().size() + " snapshots of " + new ByteSize(first.imageSize())
                + " (log)"), 3);
        plot.add(subplot(times, "seconds for all (log)"), 2);
        return chart("Scattered 4 KiB writes, 1% of the image: the chunk-size trade-off", plot);
    }

    private String threadsNote() {
        return report.threads() + " client threads, 2-core machine shared with other jobs";
    }

    private List<MultisnapshotReport.Row> rowsOf(Combo c) {
        return report.rows().stream().filter(r -> r.combo().equals(c.name())).toList();
    }

    private static String shortLabel(MultisnapshotReport.Row r) {
        return switch (r.method() + "@" + r.server()) {
            case "commit@imagegate" -> "commit extension";
            case "full-upload@imagegate" -> "full upload";
            case "multipart-copy@imagegate" -> "multipart+copy (imagegate)";
            case "multipart-copy@s3proxy" -> "multipart+copy (s3proxy)";
            case "qcow2@qemu" -> "qcow2 overlay";
            default -> r.label();
        };
    }

    private static CategoryAxis domainAxis(String label) {
        CategoryAxis axis = new CategoryAxis(label);
        axis.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        axis.setMaximumCategoryLabelLines(2);
        return axis;
    }

    private static CategoryPlot subplot(DefaultCategoryDataset data, String rangeLabel) {
        LogAxis range = new LogAxis(rangeLabel);
        range.setSmallestValue(0.1);
        range.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
        range.setTickUnit(new NumberTickUnit(1.0), false, true); // a tick per power of ten
        range.setMinorTickMarksVisible(true);
        range.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        for (int i = 0; i < data.getRowCount(); i++) {
            bars.setSeriesPaint(i, color(data.getRowKey(i).toString()));
        }
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", LABELS));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        bars.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));
        CategoryPlot plot = new CategoryPlot(data, null, range, bars);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlineStroke(new BasicStroke(0.5f));
        double max = 0;
        double min = Double.MAX_VALUE;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number v = data.getValue(r, c);
                if (v != null && v.doubleValue() > 0 && !Double.isNaN(v.doubleValue())) {
                    max = Math.max(max, v.doubleValue());
                    min = Math.min(min, v.doubleValue());
                }
            }
        }
        double low = Math.pow(10, Math.floor(Math.log10(Math.min(min, max) / 2)));
        range.setRange(low, Math.max(low * 10, max * 4)); // headroom for the value labels
        return plot;
    }

    private static JFreeChart chart(String title, CombinedDomainCategoryPlot plot) {
        LegendItemCollection unique = new LegendItemCollection();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Object sub : plot.getSubplots()) {
            LegendItemCollection items = ((CategoryPlot) sub).getLegendItems();
            for (int i = 0; i < items.getItemCount(); i++) {
                if (seen.add(items.get(i).getLabel())) {
                    unique.add(items.get(i));
                }
            }
        }
        plot.setFixedLegendItems(unique);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static Path save(Path file, JFreeChart chart, int width, int height) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
        return file;
    }
}
