package io.adamerge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ImageOpsTest {
    @Property(tries = 50)
    void resizingAConstantImageKeepsTheConstant(@ForAll @IntRange(min = 1, max = 40) int h, @ForAll @IntRange(min = 1, max = 40) int w,
                                                @ForAll @IntRange(min = 1, max = 40) int nh, @ForAll @IntRange(min = 1, max = 40) int nw,
                                                @ForAll @FloatRange(min = 0, max = 1) float v) {
        float[] img = new float[h * w];
        java.util.Arrays.fill(img, v);
        for (float x : ImageOps.resize(img, 0, h, w, nh, nw)) {
            assertThat(x).isCloseTo(v, within(1e-5f));
        }
    }

    @Property(tries = 50)
    void resizingToTheSameSizeIsTheIdentity(@ForAll @IntRange(min = 1, max = 30) int h, @ForAll @IntRange(min = 1, max = 30) int w,
                                            @ForAll long seed) {
        float[] img = random(h * w, seed);
        assertThat(ImageOps.resize(img, 0, h, w, h, w)).containsExactly(img, within(1e-6f));
    }

    @Test
    void halvingUsesATriangleFilterTwoPixelsWide() {
        // output 0 is centred at source 1.0: pixels 0, 1, 2 get triangle weights 0.75, 0.75, 0.25 (PIL's BILINEAR)
        float[] row = ImageOps.resize(new float[] {0, 1, 2, 3}, 0, 1, 4, 1, 2);
        assertThat(row).containsExactly(new float[] {(0.75f + 0.5f) / 1.75f, (0.25f + 1.5f + 2.25f) / 1.75f}, within(1e-6f));
    }

    @Test
    void doublingInterpolatesBilinearlyWithHalfPixelCentres() {
        // output pixel 1 of a 2 -> 4 enlargement sits at source coordinate 0.75 - 0.5 = 0.25 past pixel 0
        float[] row = ImageOps.resize(new float[] {0, 1}, 0, 1, 2, 1, 4);
        assertThat(row).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(1e-6f));
    }

    @Property(tries = 30)
    void fourQuarterTurnsAreTheIdentity(@ForAll @IntRange(min = 1, max = 12) int h, @ForAll @IntRange(min = 1, max = 12) int w,
                                        @ForAll long seed) {
        float[] img = random(2 * h * w, seed);
        float[] r = ImageOps.rotate90(img, 0, 2, h, w);
        r = ImageOps.rotate90(r, 0, 2, w, h);
        r = ImageOps.rotate90(r, 0, 2, h, w);
        r = ImageOps.rotate90(r, 0, 2, w, h);
        assertThat(r).containsExactly(img);
    }

    @Test
    void aQuarterTurnIsClockwise() {
        // 2x3 image, rows [a b c] [d e f] -> 3x2 image [d a] [e b] [f c]
        float[] img = {1, 2, 3, 4, 5, 6};
        assertThat(ImageOps.rotate90(img, 0, 1, 2, 3)).containsExactly(4, 1, 5, 2, 6, 3);
    }

    @Test
    void grayAndRgbConversionsFollowTheLumaWeights() {
        ImageSpec rgb = new ImageSpec(3, 1, 1);
        float[] gray = ImageOps.convert(new float[] {1f, 0f, 0f}, 0, rgb, new ImageSpec(1, 1, 1));
        assertThat(gray[0]).isCloseTo(0.299f, within(1e-6f));
        float[] back = ImageOps.convert(new float[] {0.4f}, 0, new ImageSpec(1, 1, 1), rgb);
        assertThat(back).containsExactly(0.4f, 0.4f, 0.4f);
    }

    @Test
    void datasetConversionChangesShapeAndKeepsLabels() {
        ImageDataset d = new ImageDataset("t", new ImageSpec(1, 8, 8), random(2 * 64, 1), new int[] {1, 0},
                java.util.List.of("a", "b"));
        ImageDataset c = d.convert(new ImageSpec(3, 28, 28));
        assertThat(c.pixels()).hasSize(2 * 3 * 28 * 28);
        assertThat(c.labels()).containsExactly(1, 0);
        assertThat(d.convert(d.spec())).isSameAs(d);
    }

    private static float[] random(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat();
        }
        return a;
    }
}
