package io.adamerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

    /** The activation; its constants live in {@code x}'s manager (see {@link #apply(NDArray, NDManager)}). */
    public NDArray apply(NDArray x) {
        return apply(x, x.getManager());
    }

    /**
     * The activation, with its constants created on {@code constants}. Under a gradient collector that manager must
     * stay open until backward: autograd reads the constants then, and DJL's {@code x.mul(2f)} would free its
     * temporary constant's memory as soon as the Java object is collected.
     */
    public NDArray apply(NDArray x, NDManager constants) {
        return switch (this) {
            case QUICK_GELU -> x.mul(Activation.sigmoid(x.mul(constants.create(1.702f))));
            case GELU -> Activation.gelu(x);
            case GELU_TANH -> {
                NDArray inner = x.add(x.pow(constants.create(3f)).mul(constants.create(0.044715f)))
                        .mul(constants.create((float) SQRT_2_OVER_PI));
                yield x.mul(inner.tanh().add(1f)).mul(constants.create(0.5f));
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
