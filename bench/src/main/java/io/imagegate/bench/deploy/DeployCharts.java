package io.imagegate.bench.deploy;

import io.imagegate.bench.ByteSize;
import io.imagegate.bench.Report.Spread;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/** Time and bytes against N, one line per method, log-log, with the repeats' min–max as error bars. */
final class DeployCharts {

    private static final Map<Method, Color> COLORS = Map.of(
            Method.PREPROPAGATION, new Color(0xC44E52),
            Method.AGENT, new Color(0x4C72B0),
            Method.AGENT_PREFETCH, new Color(0x55A868),
            Method.NBDKIT, new Color(0xDD8452));

    private final DeployReport report;

    DeployCharts(DeployReport report) {
        this.report = report;
    }

    List<Path> write(Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Path time = dir.resolve("multideployment-time.png");
        Path bytes = dir.resolve("multideployment-bytes.png");
        ChartUtils.saveChartAsPNG(time.toFile(), chart(true), 900, 560);
        ChartUtils.saveChartAsPNG(bytes.toFile(), chart(false), 900, 560);
        return List.of(time, bytes);
    }

    private JFreeChart chart(boolean time) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        List<Method> methods = report.methods();
        for (Method m : methods) {
            YIntervalSeries s = new YIntervalSeries(m.description);
            for (int n : report.nodeCounts()) {
                Spread v = time ? report.seconds(m, n) : report.bytes(m, n);
                if (Double.isNaN(v.median())) {
                    continue;
                }
                double unit = time ? 1 : ByteSize.MIB;
                s.add(n, v.median() / unit, v.min() / unit, v.max() / unit);
            }
            data.addSeries(s);
        }
        LogAxis x = new LogAxis("simulated nodes booting at once (N)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new java.text.DecimalFormat("0"));
        x.setSmallestValue(0.5);
        LogAxis y = new LogAxis(time ? "seconds until all N have booted (log)" : "MiB moved over all links (log)");
        y.setBase(10);
        y.setNumberFormatOverride(new java.text.DecimalFormat("#,##0.#"));
        XYErrorRenderer r = new XYErrorRenderer();
        r.setDrawXError(false);
        r.setDefaultLinesVisible(true);
        r.setDefaultShapesVisible(true);
        for (int i = 0; i < methods.size(); i++) {
            r.setSeriesPaint(i, COLORS.get(methods.get(i)));
            r.setSeriesStroke(i, new BasicStroke(2f));
            r.setSeriesLinesVisible(i, true);
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        String title = (time ? "Multideployment: time until all N nodes booted" : "Multideployment: bytes moved")
                + " (node " + report.nodeLink + ", gateway " + report.gatewayLink + ")";
        JFreeChart c = new JFreeChart(title, new Font("SansSerif", Font.BOLD, 15), plot, true);
        c.setBackgroundPaint(Color.WHITE);
        return c;
    }
}
