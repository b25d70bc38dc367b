package org.smproxy.cluster;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import net.objecthunter.exp4j.Expression;
import net.objecthunter.exp4j.ExpressionBuilder;
import net.objecthunter.exp4j.function.Function;

/**
 * An arithmetic expression over node metrics, as Red5 writes its capacity ranking, capacity limit and shuffle size
 * rules ({@code connections.client / 300}, {@code max(nodeCount*0.1, 2)}). Compiled once; evaluated on heartbeats,
 * never per request, so selection itself does no arithmetic.
 */
public final class MetricExpression {

    /** The metric names Red5 nodes report (wire reference §3.4), plus our {@code capacity} and {@code nodeCount}. */
    public static final Set<String> NODE_VARIABLES = Set.of(
            "cpu.processors", "cpu.system.load", "cpu.process.load", "cpu.process.time",
            "cpu.loadavg.1min", "cpu.loadavg.5min", "cpu.loadavg.15min",
            "memory.vm.free", "memory.vm.max", "memory.vm.total", "memory.system.committedvirtual",
            "disk.freeswap", "disk.totalswap", "disk.maxfiledescriptorcount", "disk.openfiledescriptorcount",
            "connections.publisher", "connections.subscriber", "connections.client", "connections.lastpubsubms",
            "connections.lastidlems", "connections.clusterchildren", "connections.restreamer",
            "network.iftopduration", "network.ingress", "network.egress", "network.peakratereceived",
            "network.peakratesent", "network.cumulativereceived", "network.cumulativesent",
            "network.ingress10", "network.egress10", "network.ingress30", "network.egress30",
            "capacity");
    public static final Set<String> SHUFFLE_VARIABLES = Set.of("nodeCount");

    private static final Pattern IDENTIFIER = Pattern.compile("(?<![A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_.]*(?=\\s*(\\()?)");
    private static final Function MIN = new Function("min", 2) {
        @Override
        public double apply(double... args) {
            return Math.min(args[0], args[1]);
        }
    };
    private static final Function MAX = new Function("max", 2) {
        @Override
        public double apply(double... args) {
            return Math.max(args[0], args[1]);
        }
    };

    private final String source;
    private final Expression prototype;
    private final String[] variables;

    private MetricExpression(String source, Expression prototype, String[] variables) {
        this.source = source;
        this.prototype = prototype;
        this.variables = variables;
    }

    /**
     * @throws IllegalArgumentException naming the unknown variable or the syntax error
     */
    public static MetricExpression compile(String source, Set<String> allowedVariables) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("expression is empty");
        }
        Set<String> used = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(source);
        while (m.find()) {
            if (m.group(1) != null) {
                continue; // a function call such as max( ... )
            }
            if (!allowedVariables.contains(m.group())) {
                throw new IllegalArgumentException("unknown variable '" + m.group() + "' in '" + source + "'");
            }
            used.add(m.group());
        }
        try {
            Expression e = new ExpressionBuilder(source).functions(MIN, MAX).variables(used).build();
            return new MetricExpression(source, e, used.toArray(new String[0]));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot parse '" + source + "': " + e.getMessage(), e);
        }
    }

    /** Missing metrics count as zero: a node that has not reported CPU yet is not penalised for it. */
    public double evaluate(ToDoubleFunction<String> variableValue) {
        // exp4j keeps variable values inside the Expression, so each evaluation needs its own copy.
        Expression e = new Expression(prototype);
        for (String v : variables) {
            e.setVariable(v, variableValue.applyAsDouble(v));
        }
        try {
            double value = e.evaluate();
            return Double.isFinite(value) ? value : Double.MAX_VALUE;
        } catch (ArithmeticException divisionByZero) {
            return Double.MAX_VALUE;
        }
    }

    public double evaluate(Map<String, Double> metrics, double capacity) {
        return evaluate(v -> "capacity".equals(v) ? capacity : metrics.getOrDefault(v, 0.0));
    }

    /** Red5 truncates the double to a 32-bit int before comparing ranks and limits. */
    public static int truncate(double value) {
        if (value >= Integer.MAX_VALUE) {
            return Integer.MAX_VALUE;
        }
        if (value <= Integer.MIN_VALUE) {
            return Integer.MIN_VALUE;
        }
        return (int) value;
    }

    @Override
    public String toString() {
        return source;
    }
}
