package io.adamerge.data.text.read;

import static io.adamerge.data.text.read.TextFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Fuzzes the text readers (issue #13): whatever the bytes, a reader either returns or throws its own
 * {@link TextFormatException}, whose message starts with the file's name; never another exception (no
 * IndexOutOfBounds, NumberFormat, NullPointer, OutOfMemory, StackOverflow). Inputs are the hand-written fixtures
 * with bytes flipped, inserted, deleted, duplicated or cut off (binary formats also get 32-bit fields overwritten
 * with extreme values), and plain random bytes.
 */
class TextReadersFuzzTest {
    private static final Path FILE = Path.of("fuzz-input");

    /** A seed for the mutator. */
    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    private static final int[] EXTREMES = {-1, 0, 1, 2, 3, 9, 10, 13, 16, 19, 254, 255, 0x7fffffff, 0x80000000, 0x10000, 0x7fff,
            2 | (1 << 10), 19 | (1 << 9), 255 | (1 << 8), 1 << 20};

    /** {@code base} with 1..8 random edits; with {@code binary}, some edits overwrite 4-byte big-endian fields. */
    static byte[] mutate(byte[] base, long seed, boolean binary, String alphabet) {
        Random r = new Random(seed);
        if (r.nextInt(12) == 0) {
            byte[] random = new byte[r.nextInt(300)];
            r.nextBytes(random);
            return random;
        }
        byte[] b = base.clone();
        int edits = 1 + r.nextInt(8);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(binary ? 7 : 6)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b[at] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
                case 2 -> b = insert(b, at, new byte[] {(byte) alphabet.charAt(r.nextInt(alphabet.length()))});
                case 3 -> b = java.util.Arrays.copyOf(b, at); // truncate
                case 4 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(40));
                    b = insert(b, at, java.util.Arrays.copyOfRange(b, at, at + len)); // duplicate a chunk
                }
                case 5 -> b = cut(b, at, Math.min(b.length - at, 1 + r.nextInt(20)));
                default -> {
                    if (b.length >= 4) {
                        int p = (r.nextInt(b.length - 3)) & ~3;
                        ByteBuffer.wrap(b).putInt(p, EXTREMES[r.nextInt(EXTREMES.length)]);
                    }
                }
            }
        }
        return b;
    }

    private static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] out = new byte[b.length + what.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(b, at, out, at + what.length, b.length - at);
        return out;
    }

    private static byte[] cut(byte[] b, int at, int len) {
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + len, out, at, b.length - at - len);
        return out;
    }

    /** Runs {@code read}; only a TextFormatException naming one of {@code names} may escape. */
    private static void onlyTheTypedError(Runnable read, String... names) {
        try {
            read.run();
            Statistics.label("outcome").collect("accepted");
        } catch (TextFormatException e) {
            assertThat(List.of(names)).anyMatch(n -> e.getMessage().startsWith(n + ": "));
            Statistics.label("outcome").collect("rejected");
        } catch (Throwable t) {
            fail("reader threw " + t, t);
        }
    }

    private static final String TEXT_ALPHABET = "%\n \t|:.,0123456789abcdefABCDEF<>()[]{}\\\"-_/=?\u00e9\u0000\r";

    @Property(tries = 2000)
    void fortunes(@ForAll("seeds") long seed) {
        byte[] b = mutate(utf8(TextFixtures.FORTUNE), seed, false, TEXT_ALPHABET);
        onlyTheTypedError(() -> FortuneReader.entries(FILE, b), FILE.toString());
    }

    @Property(tries = 2000)
    void wordnet(@ForAll("seeds") long seed) {
        byte[] b = mutate(utf8(TextFixtures.WORDNET), seed, false, TEXT_ALPHABET);
        onlyTheTypedError(() -> WordNetReader.examples(FILE, b), FILE.toString());
    }

    @Property(tries = 3000)
    void dictdGcideAndFoldoc(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        boolean gzip = r.nextBoolean();
        byte[][] d = TextFixtures.dictd(gzip, TextFixtures.GCIDE_ABACUS, TextFixtures.GCIDE_NEWT, TextFixtures.FOLDOC_ENTRY,
                TextFixtures.GCIDE_PLAIN);
        byte[] index = r.nextBoolean() ? mutate(d[0], r.nextLong(), false, "\tABCDEFGHz+/09\n ") : d[0];
        byte[] data = r.nextBoolean() || index == d[0] ? mutate(d[1], r.nextLong(), gzip, TEXT_ALPHABET) : d[1];
        Path i = Path.of("fuzz.index");
        Path f = Path.of("fuzz.dict.dz");
        onlyTheTypedError(() -> {
            List<DictdReader.Entry> entries = DictdReader.entries(i, index, f, data);
            GcideReader.senses(entries);
            FoldocReader.definitions(entries);
        }, i.toString(), f.toString());
    }

    @Property(tries = 3000)
    void debianPackagesAndTranslations(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        byte[] p = r.nextBoolean() ? mutate(utf8(TextFixtures.PACKAGES), r.nextLong(), false, TEXT_ALPHABET) : utf8(TextFixtures.PACKAGES);
        byte[] t = r.nextBoolean() ? mutate(utf8(TextFixtures.TRANSLATION), r.nextLong(), false, TEXT_ALPHABET)
                : utf8(TextFixtures.TRANSLATION);
        Path pf = Path.of("Packages");
        Path tf = Path.of("Translation-en");
        onlyTheTypedError(() -> DebianPackagesReader.read(List.of(new DebianPackagesReader.IndexFile(pf, p)),
                List.of(new DebianPackagesReader.IndexFile(tf, t))), pf.toString(), tf.toString());
    }

    @Property(tries = 2000)
    void brown(@ForAll("seeds") long seed) {
        byte[] cats = mutate(utf8(TextFixtures.BROWN_CATS), seed, false, "cabp0123456789 \nnewsromance_");
        byte[] doc = mutate(utf8(TextFixtures.BROWN_DOC), seed + 1, false, TEXT_ALPHABET);
        onlyTheTypedError(() -> BrownReader.categories(FILE, cats), FILE.toString());
        onlyTheTypedError(() -> BrownReader.chunks("ca01", "news", BrownReader.sentences(FILE, doc)), FILE.toString());
    }

    @Property(tries = 2000)
    void kjv(@ForAll("seeds") long seed) {
        byte[] b = mutate(utf8(TextFixtures.KJV), seed, false, TEXT_ALPHABET);
        onlyTheTypedError(() -> KjvReader.verses(FILE, b), FILE.toString());
    }

    /** R's XDR serialization, on its own and through the lazy-load database (rdx gzip'd, rdb zlib'd, both mutated). */
    @Property(tries = 5000)
    void rXdrAndLazyLoadDatabases(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        byte[][] db = TextFixtures.lazyLoad();
        Path rdx = Path.of("Rdata.rdx");
        Path rdb = Path.of("Rdata.rdb");
        switch (r.nextInt(4)) {
            case 0 -> { // a bare XDR stream (the uncompressed rdx) mutated
                byte[] xdr = mutate(TextFiles.gunzip(rdx, db[0]), r.nextLong(), true, "X\n\u0000\u0001\u0002\u0009\u0010\u0013\u00ff");
                onlyTheTypedError(() -> RSerialization.unserialize(rdx, xdr), rdx.toString());
            }
            case 1 -> { // the rdx re-gzip'd after mutating its XDR
                byte[] xdr = TextFixtures.gzip(mutate(TextFiles.gunzip(rdx, db[0]), r.nextLong(), true, "X\n\u0000\u0001\u0013\u00ff"));
                onlyTheTypedError(() -> JaneAustenReader.novels(rdx, xdr, rdb, db[1]), rdx.toString(), rdb.toString());
            }
            case 2 -> { // the rdb mutated (length headers, zlib streams)
                byte[] b = mutate(db[1], r.nextLong(), true, "\u0000\u0001x\u009c\u00ff");
                onlyTheTypedError(() -> JaneAustenReader.novels(rdx, db[0], rdb, b), rdx.toString(), rdb.toString());
            }
            default -> { // a header followed by random 32-bit words of plausible SEXP flags and lengths
                TextFixtures.Xdr x = new TextFixtures.Xdr().header();
                int words = r.nextInt(40);
                for (int k = 0; k < words; k++) {
                    x.i(r.nextInt(3) == 0 ? r.nextInt() : EXTREMES[r.nextInt(EXTREMES.length)]);
                }
                byte[] b = x.bytes();
                onlyTheTypedError(() -> RSerialization.unserialize(rdx, b), rdx.toString());
            }
        }
    }

    /** npm JSON message files, mutated as text (JSON structure and the MIME message inside). */
    @Property(tries = 3000)
    void spamAssassinJson(@ForAll("seeds") long seed) {
        Random r = new Random(seed);
        String base = r.nextBoolean() ? TextFixtures.SPAM_JSON : TextFixtures.HAM_JSON;
        byte[] b = mutate(utf8(base), r.nextLong(), false, "{}[]\":,\\n=?QB-_<>/;tru0123456789e");
        onlyTheTypedError(() -> SpamAssassinReader.read(FILE, b), FILE.toString());
    }

    /** The mutator itself is exercised: it changes the input most of the time (a fuzz test that cannot fail is a defect). */
    @Property(tries = 200)
    void theMutatorMutates(@ForAll("seeds") long seed) {
        byte[] base = utf8(TextFixtures.KJV);
        Statistics.label("changed").collect(!java.util.Arrays.equals(base, mutate(base, seed, false, TEXT_ALPHABET)));
    }

}
