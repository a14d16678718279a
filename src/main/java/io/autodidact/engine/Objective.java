package io.autodidact.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a training step minimises, and which kernel computes it. {@link #sft()} is the masked cross-entropy on
 * completion tokens (weighted per row); {@link #policyGradient} the clipped policy-gradient loss of PPO/GRPO
 * with an optional k3 KL to a reference policy (ALGORITHMS.md). A kernel is Java (built in, on DJL), the
 * bundled Python kernels ({@code autodidact.kernels.losses} on GraalPy), or a user's Python file.
 *
 * @param loss SFT or POLICY_GRADIENT (what the built-in kernels compute; a user kernel may ignore it)
 * @param epsLow lower clip range: ratios below {@code 1 - epsLow} are clipped
 * @param epsHigh upper clip range: ratios above {@code 1 + epsHigh} are clipped (DAPO's clip-higher when larger)
 * @param klCoef weight of the k3 KL to the reference policy; rows then need reference log-probabilities
 * @param averaging how token losses become the step's loss
 * @param maxLength the constant of {@link Averaging#CONSTANT} (the generation length limit); 0 otherwise
 * @param kernel which code computes the loss
 * @param offPolicyPercentile Guide's shaping of off-policy rows ({@link TrainSequence#offPolicy}): their ratios rho are not
 *     clipped but replaced by {@code rho / (rho + gamma)}, gamma this quantile of those ratios over the micro-batch's
 *     off-policy completion tokens (linear interpolation, as torch.quantile), detached, at least 1e-4
 * @param beta DPO's inverse temperature: the loss is {@code -log sigmoid(beta * margin)} (only {@link Loss#DPO} reads it)
 * @param reference which policy's log-probabilities the rows carry as the reference (the KL's or DPO's)
 */
public record Objective(Loss loss, double epsLow, double epsHigh, double klCoef, Averaging averaging, int maxLength, Kernel kernel,
                        double offPolicyPercentile, double beta, Reference reference) {
    /** Guide's default: the 90th percentile [guide_rl guide_grpo_qwen.sh: gamma_strategy=percentile, gamma_value=0.9]. */
    public static final double DEFAULT_OFF_POLICY_PERCENTILE = 0.9;

    /**
     * DPO (Rafailov et al. 2023): rows come in preference pairs, (chosen, rejected) in that order, and the loss is
     * {@code -log sigmoid(beta * ((c - c_ref) - (r - r_ref)))} over sequence log-probabilities, averaged over pairs.
     */
    public enum Loss { SFT, POLICY_GRADIENT, DPO }

    /** BASE: the run's base policy (iteration 0); START: the policy the iteration trains from. */
    public enum Reference { BASE, START }

    /** TOKEN: mean over the step's tokens (DAPO); SEQUENCE: per sequence, then over sequences (GRPO); CONSTANT: token sum / max length, mean over sequences (Dr. GRPO). */
    public enum Averaging {
        TOKEN, SEQUENCE, CONSTANT;

        public static Averaging parse(String value, String field) {
            try {
                return valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": unknown averaging \"" + value + "\"; use token, sequence or constant");
            }
        }
    }

    /**
     * The code behind a loss: {@code java} (built in), {@code python} (the bundled kernels) or a Python file (or
     * directory) whose {@code module.function(batch, **options)} returns the loss.
     */
    public record Kernel(String backend, Optional<Path> code, String module, String function) {
        public static final Kernel JAVA = new Kernel("java", Optional.empty(), "", "");

        public Kernel {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(function, "function");
            if (!backend.equals("java") && !backend.equals("python"))
                throw new IllegalArgumentException("kernel backend must be java or python, got \"" + backend + "\"");
        }

        /** The bundled Python kernels. */
        public static Kernel python() {
            return new Kernel("python", Optional.empty(), "", "");
        }

        /** A user's kernel: {@code module.function} in {@code code} (a .py file, whose module is its file name, or a directory). */
        public static Kernel file(Path code, String module, String function) {
            if (function.isBlank()) throw new IllegalArgumentException("kernel function must be named");
            return new Kernel("python", Optional.of(code), module, function);
        }

        /** {@code java}, {@code python}, or a path to a .py file or directory ({@code function} then names the entry point). */
        public static Kernel parse(String value, String function, String field) {
            return switch (value) {
                case "java" -> JAVA;
                case "python" -> python();
                default -> {
                    Path p = Path.of(value);
                    if (!java.nio.file.Files.exists(p))
                        throw new IllegalArgumentException(field + ": \"" + value + "\" is neither java, python nor an existing .py file or directory");
                    String file = p.getFileName().toString();
                    yield file(p, file.endsWith(".py") ? file.substring(0, file.length() - 3) : "", function);
                }
            };
        }

        public boolean isJava() {
            return backend.equals("java");
        }

        @Override
        public String toString() {
            return code.map(c -> c + (module.isEmpty() ? "" : "#" + module) + ":" + function).orElse(backend);
        }
    }

    public Objective {
        Objects.requireNonNull(loss, "loss");
        Objects.requireNonNull(averaging, "averaging");
        Objects.requireNonNull(kernel, "kernel");
        if (!(epsLow >= 0 && epsLow < 1)) throw new IllegalArgumentException("eps_low must be in [0, 1), got " + epsLow);
        if (!(epsHigh >= 0)) throw new IllegalArgumentException("eps_high must be >= 0, got " + epsHigh);
        if (!(klCoef >= 0)) throw new IllegalArgumentException("kl_coef must be >= 0, got " + klCoef);
        if (averaging == Averaging.CONSTANT && maxLength < 1)
            throw new IllegalArgumentException("averaging constant (Dr. GRPO) needs max_length >= 1, the generation length limit");
        if (maxLength < 0) throw new IllegalArgumentException("max_length must be >= 0, got " + maxLength);
        if (!(offPolicyPercentile >= 0 && offPolicyPercentile <= 1))
            throw new IllegalArgumentException("gamma_percentile must be in [0, 1], got " + offPolicyPercentile);
        if (!(beta > 0 && Double.isFinite(beta))) throw new IllegalArgumentException("beta must be a positive number, got " + beta);
        Objects.requireNonNull(reference, "reference");
    }

    /** An objective with the default off-policy shaping, without DPO's beta (0.1, unread), whose reference, if any, is the base policy. */
    public Objective(Loss loss, double epsLow, double epsHigh, double klCoef, Averaging averaging, int maxLength, Kernel kernel) {
        this(loss, epsLow, epsHigh, klCoef, averaging, maxLength, kernel, DEFAULT_OFF_POLICY_PERCENTILE, 0.1, Reference.BASE);
    }

    /** This objective with off-policy rows shaped by the {@code percentile} quantile of their ratios (Guide). */
    public Objective withOffPolicyPercentile(double percentile) {
        return new Objective(loss, epsLow, epsHigh, klCoef, averaging, maxLength, kernel, percentile, beta, reference);
    }

    /** Masked cross-entropy on completion tokens, weighted per row; the Java kernel. */
    public static Objective sft() {
        return new Objective(Loss.SFT, 0.2, 0.2, 0, Averaging.TOKEN, 0, Kernel.JAVA);
    }

    /** The clipped policy-gradient loss; the Java kernel. */
    public static Objective policyGradient(double epsLow, double epsHigh, double klCoef, Averaging averaging, int maxLength) {
        return new Objective(Loss.POLICY_GRADIENT, epsLow, epsHigh, klCoef, averaging, maxLength, Kernel.JAVA);
    }

    /** DPO on preference pairs against {@code reference}'s log-probabilities; the Java kernel. */
    public static Objective dpo(double beta, Reference reference) {
        return new Objective(Loss.DPO, 0.2, 0.2, 0, Averaging.SEQUENCE, 0, Kernel.JAVA, DEFAULT_OFF_POLICY_PERCENTILE, beta, reference);
    }

    public Objective withKernel(Kernel value) {
        return new Objective(loss, epsLow, epsHigh, klCoef, averaging, maxLength, value, offPolicyPercentile, beta, reference);
    }

    /** Whether rows come in (chosen, rejected) pairs that must stay together in a batch and a micro-batch. */
    public boolean pairwise() {
        return loss == Loss.DPO;
    }

    /** Whether rows need old log-probabilities (from generation). */
    public boolean needsOldLogprobs() {
        return loss == Loss.POLICY_GRADIENT;
    }

    /** Whether rows need reference-policy log-probabilities. */
    public boolean needsReferenceLogprobs() {
        return loss == Loss.POLICY_GRADIENT && klCoef > 0 || loss == Loss.DPO;
    }

    /** The keyword arguments a Python kernel receives. */
    public Map<String, Object> kernelOptions() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("eps_low", epsLow);
        m.put("eps_high", epsHigh);
        m.put("kl_coef", klCoef);
        m.put("averaging", averaging.name().toLowerCase(Locale.ROOT));
        m.put("max_length", maxLength);
        m.put("gamma_percentile", offPolicyPercentile);
        if (loss == Loss.DPO) m.put("beta", beta);
        return m;
    }
}
