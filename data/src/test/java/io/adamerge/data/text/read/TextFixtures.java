package io.adamerge.data.text.read;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Small files in the real formats of the text sources, written for the tests (the words are ours, not the
 * packages'): used by the reader tests and as seeds of the fuzz tests.
 */
final class TextFixtures {
    private TextFixtures() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final String FORTUNE = "A kettle that is watched sings later than one that is not.\n%\n"
            + "Two lines of advice:\n  keep the tea warm,\n  keep the cat fed.\n\t\t-- The Fixture\n%\n%\n"
            + "Müde Katzen träumen von warmen Öfen. 😺\n%\n";

    static final String WORDNET = "  1 This fixture imitates the licence header of a WordNet data file.\n"
            + "  2 Its lines start with two spaces and are skipped.\n"
            + "00001740 03 n 01 thing 0 000 | whatever can be thought about, for testing  \n"
            + "00002000 05 n 02 sample_dog 0 test_hound 1 001 @ 00001740 n 0000 | a made-up animal that barks at parsers; "
            + "\"the sample dog chased the bug\"  \n"
            + "00003000 38 v 01 wander 0 000 01 + 02 00 | move about without a plan  \n";

    static final String GCIDE_ABACUS = "Countinghouse \\Count\"ing*house`\\, n.\n"
            + "   1. A room where the books of a shop are kept and sums are checked.\n      [Fixture 2026]\n\n"
            + "   2. (Law) The chamber where a court clerk keeps records; as, the countinghouse of the county.\n"
            + "      [Fixture 2026]\n\n"
            + "   3. (Zool.)\n      (a) A burrow dug by a small {rodent} that stores seeds. --Invented.\n"
            + "      (b) The store itself. [Obs.]\n      [Fixture 2026]\n";
    static final String GCIDE_NEWT = "Testnewt \\Test\"newt\\, n. [From the tests.] (Zool.)\n"
            + "   A small imaginary amphibian found only in unit tests.\n   [Fixture 2026]\n";
    static final String GCIDE_PLAIN = "Plainword \\Plain\"word\\, a.\n   Without any domain label at all.\n";

    static final String FOLDOC_ENTRY = "FixLang\n\n   <language, humour> (FL) A toy {programming language} whose only\n"
            + "   statement prints the word \"fixture\".\n\n   [{Test Manual}]\n\n   (2026-01-02)\n";
    static final String FOLDOC_NOLABEL = "Unlabelled\n\n   An entry without a domain.\n";

    /** A dictd pair: index text and (optionally gzip'd) data, entries in order, plus a 00-database entry. */
    static byte[][] dictd(boolean gzip, String... bodies) {
        StringBuilder data = new StringBuilder();
        List<String> index = new ArrayList<>();
        String meta = "00-database-short\n   Fixture dictionary\n";
        index.add(DictdReader.indexLine("00-database-short", 0, meta));
        data.append(meta);
        for (String body : bodies) {
            long offset = data.toString().getBytes(StandardCharsets.UTF_8).length;
            index.add(DictdReader.indexLine(body.split("[ \n]", 2)[0], offset, body));
            data.append(body);
        }
        byte[] d = utf8(data.toString());
        return new byte[][] {utf8(String.join("\n", index) + "\n"), gzip ? gzip(d) : d};
    }

    static byte[] gzip(byte[] b) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(out)) {
                g.write(b);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final String PACKAGES = "Package: fixture-game\nVersion: 1.0-1\nSection: games\n"
            + "Description: a puzzle about sorting socks\nDescription-md5: 11111111111111111111111111111111\n"
            + "Depends: libc6 (>= 2.34),\n libsock1\n\n"
            + "Package: fixture-game-data\nSource: fixture-game (1.0-1)\nSection: games\n"
            + "Description: data files for the sock puzzle\nDescription-md5: 22222222222222222222222222222222\n\n"
            + "Package: fixture-contrib\nSection: contrib/sound\nDescription: not from main\n"
            + "Description-md5: 33333333333333333333333333333333\n\n"
            + "Package: fixture-inline\nSection: math\nDescription: adds numbers\n a long description kept inline\n"
            + " .\n second paragraph\n";
    static final String TRANSLATION = "Package: fixture-game\nDescription-md5: 11111111111111111111111111111111\n"
            + "Description-en: a puzzle about sorting socks\n Match every sock with its partner before the dryer\n"
            + " eats one.\n .\n Includes twelve levels.\n\n"
            + "Package: fixture-game-data\nDescription-md5: 22222222222222222222222222222222\n"
            + "Description-en: data files for the sock puzzle\n Pictures of socks.\n";

    static final String BROWN_CATS = "ca01 news\ncp01 romance\n";
    static final String BROWN_DOC = "\n\n\tThe/at fixture/nn said/vbd ``/`` hello/uh ''/'' ./.\n\n"
            + "\tIt/pps was/bedz n't/* late/jj ,/, and/cc (/( nobody/pn )/) minded/vbd ./.\n"
            + "\tA/at third/od line/nn ./.\n\tA/at fourth/od one/cd ./.\n";

    static final String KJV = "\nGenesis 1\n\n  1 In the first fixture the tester wrote a verse.\n"
            + "  2 And the verse was short.\n\nRevelation 22\n\n  21 The last verse of the fixture.\n";

    static final String SPAM_JSON = "{\"id\":\"00007\",\"group\":\"spam-2\",\"checksum\":{\"type\":\"MD5\",\"value\":\"abc123\"},"
            + "\"text\":\"From someone@example.invalid  Mon Jan  1 00:00:00 2001\\nSubject: =?iso-8859-1?Q?Caf=E9_deals?= for you\\n"
            + "Content-Type: multipart/alternative;\\n\\tboundary=\\\"XYZ\\\"\\n\\n--XYZ\\nContent-Type: text/html; charset=utf-8\\n"
            + "Content-Transfer-Encoding: quoted-printable\\n\\n<html><style>p{}</style><p>Cheap =\\nsocks &amp; <b>tea</b></p></html>\\n"
            + "--XYZ--\\n\"}";
    static final String HAM_JSON = "{\"id\":\"00008\",\"group\":\"easy-ham-1\",\"checksum\":{\"type\":\"MD5\",\"value\":\"def456\"},"
            + "\"text\":\"Subject: Re: the build\\nContent-Transfer-Encoding: base64\\n\\nVGhlIGJ1aWxkIGlzIGdyZWVuLg==\\n\"}";

    // ---- R XDR serialization, written by a tiny serializer of our own ----

    /** XDR stream writer for the subset the reader supports. */
    static final class Xdr {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Xdr header() {
            out.writeBytes("X\n".getBytes(StandardCharsets.US_ASCII));
            return i(3).i(0x040201).i(0x030500).i(5).raw("UTF-8".getBytes(StandardCharsets.US_ASCII));
        }

        Xdr i(int v) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
            return this;
        }

        Xdr raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Xdr charsxp(String s) {
            if (s == null) {
                return i(9).i(-1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return i(9 | (1 << 15)).i(b.length).raw(b); // levels bit 3 = UTF-8
        }

        Xdr strsxp(String... s) {
            i(16).i(s.length);
            for (String x : s) {
                charsxp(x);
            }
            return this;
        }

        /** Attributes pairlist holding only {@code names}. */
        Xdr names(String... names) {
            i(2 | (1 << 10)).i(1).charsxp("names"); // LISTSXP with tag; the tag is a new SYMSXP
            strsxp(names);
            return i(254);
        }

        /** Attributes pairlist holding only {@code names}, the symbol given as a reference to the first symbol. */
        Xdr namesByReference(String... names) {
            i(2 | (1 << 10)).i(255 | (1 << 8)); // REFSXP to reference 1
            strsxp(names);
            return i(254);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static byte[] zlib(byte[] b) {
        Deflater d = new Deflater();
        d.setInput(b);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /** An .rdx/.rdb pair with two "novels" (character vectors), as R's lazy-load writer lays them out. */
    static byte[][] lazyLoad() {
        byte[] first = new Xdr().header().strsxp("A TEST NOVEL", "", "CHAPTER I", "", "The fixture began on a grey morning, when",
                "the tester opened the file and found it empty of everything but the", "words she had written herself the day before.",
                "", "Nobody else had read them, and nobody would, for they were written", "only to be parsed and counted and thrown away",
                "again by a machine that did not care about them at all.", "", "CHAPTER II", "", "Short.", "").bytes();
        byte[] second = new Xdr().header().strsxp("ANOTHER", "Chapter 1", "", (String) null, "").bytes();
        ByteArrayOutputStream rdb = new ByteArrayOutputStream();
        int[][] offsets = new int[2][];
        int k = 0;
        for (byte[] obj : List.of(first, second)) {
            byte[] z = zlib(obj);
            offsets[k++] = new int[] {rdb.size(), z.length + 4};
            rdb.writeBytes(ByteBuffer.allocate(4).putInt(obj.length).array());
            rdb.writeBytes(z);
        }
        Xdr rdx = new Xdr().header();
        rdx.i(19 | (1 << 9)).i(3); // list(variables=, references=, compressed=) with attributes
        rdx.i(19 | (1 << 9)).i(2); // variables: named list of (offset, length)
        rdx.i(13).i(2).i(offsets[0][0]).i(offsets[0][1]);
        rdx.i(13).i(2).i(offsets[1][0]).i(offsets[1][1]);
        rdx.names("firstnovel", "secondnovel");
        rdx.i(19).i(0); // references: empty list
        rdx.i(10).i(1).i(1); // compressed: TRUE
        rdx.namesByReference("variables", "references", "compressed");
        return new byte[][] {gzip(rdx.bytes()), rdb.toByteArray()};
    }
}
