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
            new Color(0xC44E52), new Color(0x8172B3), new Color(0x937860)};

    private final MultisnapshotReport report;

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
            plot.add(subplot(d, c.name() + ": MiB, all " + c.writes().size() + " snapshots (log)", "#,##0"), 1);
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
                String series = r.measured() < r.of() ? "extrapolated from " + r.measured() + " of " + r.of()
                        : "measured (median of " + r.runs() + ")";
                d.addValue(r.seconds().median(), series, shortLabel(r));
            }
            plot.add(subplot(d, c.name() + ": seconds for all " + c.writes().size() + " (log)", "#,##0.0"), 1);
        }
        return chart("Multisnapshot: time to make all snapshots, per method", plot);
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
                + " (log)", "#,##0"), 3);
        plot.add(subplot(times, "seconds for all (log)", "#,##0.0"), 2);
        return chart("Scattered 4 KiB writes, 1% of the image: the chunk-size trade-off", plot);
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

    private static CategoryPlot subplot(DefaultCategoryDataset data, String rangeLabel, String numberFormat) {
        LogAxis range = new LogAxis(rangeLabel);
        range.setSmallestValue(0.1);
        range.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
        range.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.05);
        for (int i = 0; i < COLORS.length; i++) {
            bars.setSeriesPaint(i, COLORS[i]);
        }
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(numberFormat)));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        bars.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE12, TextAnchor.BOTTOM_CENTER));
        CategoryPlot plot = new CategoryPlot(data, null, range, bars);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlineStroke(new BasicStroke(0.5f));
        double max = 0;
        for (int r = 0; r < data.getRowCount(); r++) {
            for (int c = 0; c < data.getColumnCount(); c++) {
                Number v = data.getValue(r, c);
                max = v == null ? max : Math.max(max, v.doubleValue());
            }
        }
        range.setRange(0.5, Math.max(10, max * 4)); // headroom for the value labels
        return plot;
    }

    private static JFreeChart chart(String title, CategoryPlot plot) {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static Path save(Path file, JFreeChart chart, int width, int height) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
        return file;
    }
}
