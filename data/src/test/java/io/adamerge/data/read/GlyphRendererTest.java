package io.adamerge.data.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.adamerge.data.TestData;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.task.SourceData;
import java.awt.Font;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GlyphRendererTest {
    @Test
    void glyphIsDrawnWhiteOnBlackInsideTheMnistBox() {
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        float[] img = GlyphRenderer.render(font, "H", 28, GlyphRenderer.Jitter.NONE);
        double ink = 0;
        int minX = 28;
        int maxX = -1;
        int minY = 28;
        int maxY = -1;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                float v = img[y * 28 + x];
                ink += v;
                if (v > 0.05f) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        assertThat(ink).isGreaterThan(20);
        // the longer side of the glyph spans the 20-pixel box, centred (4 pixels margin, +-1 for antialiasing)
        assertThat(Math.max(maxX - minX, maxY - minY) + 1).isBetween(19, 22);
        assertThat(minY).isBetween(3, 5);
        assertThat(maxY).isBetween(22, 24);
    }

    @Test
    void jitterChangesTheRenderingDeterministically() {
        Font font = new Font(Font.SERIF, Font.PLAIN, 12);
        GlyphRenderer.Jitter j = GlyphRenderer.Jitter.random(new java.util.Random(5));
        float[] a = GlyphRenderer.render(font, "A", 28, j);
        float[] b = GlyphRenderer.render(font, "A", 28, GlyphRenderer.Jitter.random(new java.util.Random(5)));
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(GlyphRenderer.render(font, "A", 28, GlyphRenderer.Jitter.NONE));
    }

    @Test
    void realLatinFontsGiveHundredsOfUsableFamilies() {
        SourceData data = new SourceData(TestData.require(Source.LATIN_FONTS));
        FontCatalog catalog = data.fonts(Source.LATIN_FONTS);
        List<FontCatalog.FontFace> usable = data.usableFonts(Source.LATIN_FONTS, "ABCDEFGHIJ");
        Set<String> families = usable.stream().map(FontCatalog.FontFace::family).collect(Collectors.toSet());
        System.out.println("Latin fonts: " + catalog.faces().size() + " loaded, " + catalog.unreadable().size()
                + " unreadable, " + usable.size() + " draw A-J distinctly, " + families.size() + " families, "
                + families.stream().map(FontCatalog::designKey).distinct().count() + " designs");
        assertThat(catalog.faces().size()).isGreaterThan(1000);
        assertThat(usable.size()).isGreaterThan(900);
        assertThat(families.size()).isGreaterThan(600);
    }

    @Test
    void realKanaFontsDrawTheKuzushijiClasses() {
        SourceData data = new SourceData(TestData.require(Source.KANA_FONTS));
        List<FontCatalog.FontFace> usable = data.usableFonts(Source.KANA_FONTS, "おきすつなはまやれを");
        System.out.println("Japanese fonts: " + data.fonts(Source.KANA_FONTS).faces().size() + " loaded, "
                + usable.size() + " draw the ten kana");
        assertThat(usable.size()).isGreaterThanOrEqualTo(25);
        // Latin-only fonts cannot draw kana
        assertThat(GlyphRenderer.drawsDistinctGlyphs(data.fonts(Source.KANA_FONTS).faces().get(0).font(), "おきす")).isTrue();
    }
}
