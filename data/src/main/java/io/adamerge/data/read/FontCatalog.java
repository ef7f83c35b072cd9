package io.adamerge.data.read;

import io.adamerge.data.DataException;
import java.awt.Font;
import java.awt.FontFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The TrueType/OpenType font files below some folders, loaded with Java2D. A font is usable for a set of
 * characters when it maps each of them and their outlines are distinct and non-empty (symbol fonts that draw
 * the same box for every letter are left out).
 */
public final class FontCatalog {
    /** One loaded font file; {@code family} groups the styles of one design (the unit of train/test splits). */
    public record FontFace(Path file, String family, Font font) {
    }

    private final List<FontFace> faces;
    private final List<Path> unreadable;

    private FontCatalog(List<FontFace> faces, List<Path> unreadable) {
        this.faces = faces;
        this.unreadable = unreadable;
    }

    /** Loads every .ttf/.otf below the given folders, in path order; files Java2D cannot load are listed apart. */
    public static FontCatalog scan(List<Path> roots) {
        List<Path> files = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                throw new DataException(root, "no such font folder");
            }
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(Files::isRegularFile).filter(FontCatalog::isFontFile).forEach(files::add);
            } catch (IOException e) {
                throw new DataException(root, "cannot list fonts (" + e.getMessage() + ")", e);
            }
        }
        files.sort(null);
        List<FontFace> faces = new ArrayList<>();
        List<Path> unreadable = new ArrayList<>();
        for (Path f : files) {
            try {
                Font font = Font.createFont(Font.TRUETYPE_FONT, f.toFile());
                faces.add(new FontFace(f, font.getFamily(Locale.ROOT), font));
            } catch (FontFormatException | IOException | RuntimeException e) {
                unreadable.add(f);
            }
        }
        return new FontCatalog(List.copyOf(faces), List.copyOf(unreadable));
    }

    /** Style words that name a variant of a design rather than another design. */
    private static final java.util.Set<String> STYLE_WORDS = java.util.Set.of("regular", "bold", "italic", "oblique", "light",
            "medium", "semibold", "demibold", "demi", "black", "heavy", "thin", "extralight", "ultralight", "extrabold",
            "ultrabold", "book", "narrow", "condensed", "cond", "expanded", "extended", "wide", "sc", "caps", "smallcaps",
            "display", "text", "titling", "outline", "shadow", "inline");

    /**
     * Known clones shipped under another name: the Chrome OS core fonts reuse the Liberation outlines, GNU
     * FreeFont grew from URW's Nimbus fonts. A clone must not sit in one split while its original is in another.
     */
    private static final Map<String, String> CLONES = Map.of(
            "arimo", "liberation sans", "tinos", "liberation serif", "cousine", "liberation mono",
            "freesans", "nimbus sans", "freeserif", "nimbus roman", "freemono", "nimbus mono ps");

    /**
     * The design a family name belongs to, the unit kept within one split: lower case, without style words
     * (Bold, Narrow, …) or optical-size numbers ("EB Garamond 08"), and with known clones mapped to their original.
     */
    public static String designKey(String family) {
        List<String> words = new ArrayList<>();
        for (String w : family.toLowerCase(Locale.ROOT).split("[\\s_-]+")) {
            if (!w.isEmpty() && !STYLE_WORDS.contains(w) && !w.matches("\\d+(pt)?")) {
                words.add(w);
            }
        }
        String key = words.isEmpty() ? family.toLowerCase(Locale.ROOT) : String.join(" ", words);
        return CLONES.getOrDefault(key, key);
    }

    static boolean isFontFile(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".ttf") || n.endsWith(".otf");
    }

    public List<FontFace> faces() {
        return faces;
    }

    public List<Path> unreadable() {
        return unreadable;
    }

    /** The faces that can draw every character of {@code chars} as distinct, non-empty glyphs. */
    public List<FontFace> usableFor(String chars) {
        List<FontFace> out = new ArrayList<>();
        for (FontFace f : faces) {
            if (GlyphRenderer.drawsDistinctGlyphs(f.font(), chars)) {
                out.add(f);
            }
        }
        return out;
    }
}
