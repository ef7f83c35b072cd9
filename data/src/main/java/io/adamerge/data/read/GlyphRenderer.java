package io.adamerge.data.read;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Draws one character of a font as a white-on-black grayscale image in the framing MNIST uses: the glyph's
 * bounding box scaled to fit a box of {@code 20/28} of the side, centred; optional jitter varies scale,
 * rotation and position.
 */
public final class GlyphRenderer {
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);
    private static final double BOX = 20.0 / 28.0;

    private GlyphRenderer() {
    }

    /** Random variation of one rendering: scale factor, rotation in degrees, shift in fractions of the side. */
    public record Jitter(double scale, double rotationDegrees, double shiftX, double shiftY) {
        public static final Jitter NONE = new Jitter(1, 0, 0, 0);

        /** A jitter drawn from {@code random}: scale 0.8–1.05, rotation ±10°, shift ±6% of the side. */
        public static Jitter random(java.util.Random random) {
            return new Jitter(0.8 + 0.25 * random.nextDouble(), (random.nextDouble() * 2 - 1) * 10,
                    (random.nextDouble() * 2 - 1) * 0.06, (random.nextDouble() * 2 - 1) * 0.06);
        }
    }

    /** The outline of {@code text} at size 100, or null when it is empty. */
    static Shape outline(Font font, String text) {
        Shape s = font.deriveFont(100f).createGlyphVector(FRC, text).getOutline();
        Rectangle2D b = s.getBounds2D();
        return b.isEmpty() || !Double.isFinite(b.getWidth()) ? null : s;
    }

    /** Renders {@code text} into a side×side image with values in [0, 1]; all zeros if the font draws nothing. */
    public static float[] render(Font font, String text, int side, Jitter jitter) {
        float[] out = new float[side * side];
        Shape s = outline(font, text);
        if (s == null) {
            return out;
        }
        Rectangle2D b = s.getBounds2D();
        double scale = BOX * side / Math.max(b.getWidth(), b.getHeight()) * jitter.scale();
        AffineTransform at = new AffineTransform();
        at.translate(side / 2.0 + jitter.shiftX() * side, side / 2.0 + jitter.shiftY() * side);
        at.rotate(Math.toRadians(jitter.rotationDegrees()));
        at.scale(scale, scale);
        at.translate(-b.getCenterX(), -b.getCenterY());
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fill(at.createTransformedShape(s));
        } finally {
            g.dispose();
        }
        byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) {
            out[i] = (px[i] & 0xff) / 255f;
        }
        return out;
    }

    /**
     * Whether {@code font} maps every character of {@code chars}, draws each with some ink, and draws no two of
     * them identically (at 28×28, without jitter).
     */
    public static boolean drawsDistinctGlyphs(Font font, String chars) {
        if (font.canDisplayUpTo(chars) != -1) {
            return false;
        }
        Set<String> seen = new HashSet<>();
        int[] cps = chars.codePoints().toArray();
        for (int cp : cps) {
            float[] img = render(font, new String(Character.toChars(cp)), 28, Jitter.NONE);
            double ink = 0;
            byte[] q = new byte[img.length];
            for (int i = 0; i < img.length; i++) {
                ink += img[i];
                q[i] = (byte) Math.round(img[i] * 15);
            }
            if (ink < 5) {
                return false;
            }
            if (!seen.add(Arrays.toString(q))) {
                return false;
            }
        }
        return true;
    }
}
