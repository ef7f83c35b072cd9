package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Arrays;
import java.util.Locale;

/** The MLP activations CLIP vision towers use, by their Hugging Face {@code hidden_act} names. */
public enum HiddenAct {
    /** OpenAI CLIP's {@code x * sigmoid(1.702 x)}. */
    QUICK_GELU("quick_gelu"),
    /** The exact (erf) GELU. */
    GELU("gelu"),
    /** The tanh approximation of GELU ({@code gelu_new}, {@code gelu_pytorch_tanh}). */
    GELU_TANH("gelu_pytorch_tanh");

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private final String hfName;

    HiddenAct(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    public NDArray apply(NDArray x) {
        return switch (this) {
            case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(1.702f)));
            case GELU -> Activation.gelu(x);
            case GELU_TANH -> {
                NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) SQRT_2_OVER_PI);
                yield x.mul(inner.tanh().add(1f)).mul(0.5f);
            }
        };
    }

    /** Parses a Hugging Face {@code hidden_act} value. */
    public static HiddenAct parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return switch (n) {
            case "quick_gelu" -> QUICK_GELU;
            case "gelu" -> GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            default -> throw new IllegalArgumentException("unsupported hidden_act '" + name + "'; supported: "
                    + Arrays.stream(values()).map(HiddenAct::hfName).toList() + ", gelu_new");
        };
    }
}
