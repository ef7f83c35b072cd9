package io.adamerge.data.text.read;

import static io.adamerge.data.text.read.TextFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adamerge.data.TestData;
import io.adamerge.data.fetch.DataDirectory;
import io.adamerge.data.fetch.Source;
import io.adamerge.data.text.TextExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each reader on a hand-written file in its source's real format, and its errors on broken ones. */
class TextReadersTest {
    @TempDir
    Path tmp;

    private static final Path F = Path.of("fixture");

    @Test
    void fortunesSplitOnPercentLinesAndSkipDatLinksAndOffensiveFolders() throws IOException {
        assertThat(FortuneReader.entries(F, utf8(TextFixtures.FORTUNE))).containsExactly(
                "A kettle that is watched sings later than one that is not.",
                "Two lines of advice:\n  keep the tea warm,\n  keep the cat fed.\n\t\t-- The Fixture",
                "Müde Katzen träumen von warmen Öfen. 😺");
        Path pkg = Files.createDirectories(tmp.resolve("fortunes-xx/usr/share/games/fortunes/xx"));
        Files.write(pkg.resolve("wisdom"), utf8(TextFixtures.FORTUNE));
        Files.write(pkg.resolve("wisdom.dat"), new byte[] {0, 0, 0, 2, (byte) 0xff});
        Files.createSymbolicLink(pkg.resolve("wisdom.u8"), pkg.resolve("wisdom"));
        Files.createSymbolicLink(pkg.resolve("alias"), pkg.resolve("wisdom"));
        Files.createDirectories(pkg.resolve("off"));
        Files.write(pkg.resolve("off/rude"), utf8("not to be read\n%\n"));
        List<TextExample> ex = FortuneReader.readPackage(tmp.resolve("fortunes-xx"), "xx");
        assertThat(ex).hasSize(3).allMatch(e -> e.label().equals("xx"));
        assertThat(ex.get(0).group()).isEqualTo("usr/share/games/fortunes/xx/wisdom#0");
        assertThatThrownBy(() -> FortuneReader.entries(F, new byte[] {'o', 'k', '\n', (byte) 0xc3, '(', '\n'}))
                .isInstanceOf(TextFormatException.class).hasMessage("fixture: byte 3: not UTF-8");
    }

    @Test
    void wordnetGlossesAndLexicographerFiles() {
        List<WordNetReader.Synset> s = WordNetReader.synsets(F, utf8(TextFixtures.WORDNET));
        assertThat(s).extracting(WordNetReader.Synset::lexname).containsExactly("noun.Tops", "noun.animal", "verb.motion");
        assertThat(s.get(1).gloss()).isEqualTo("a made-up animal that barks at parsers; \"the sample dog chased the bug\"");
        assertThat(s.get(1).firstWord()).isEqualTo("sample dog");
        assertThat(s.get(2).type()).isEqualTo('v');
        List<TextExample> ex = WordNetReader.examples(F, utf8(TextFixtures.WORDNET));
        assertThat(ex).extracting(TextExample::label).containsExactly("Tops", "animal", "motion");
        assertThat(ex.get(1).group()).isEqualTo("fixture:2000");
        assertThatThrownBy(() -> WordNetReader.synsets(F, utf8("00001740 77 n 01 thing 0 000 | gloss\n")))
                .isInstanceOf(TextFormatException.class).hasMessage("fixture: line 1: lex_filenum '77' is not 00..44");
        assertThatThrownBy(() -> WordNetReader.synsets(F, utf8("  header\n00001740 03 n 01 thing 0 000\n")))
                .hasMessage("fixture: line 2: no gloss (' | ' followed by text)");
    }

    @Test
    void dictdIndexAndGcideDomainLabels() {
        assertThat(DictdReader.encode(0)).isEqualTo("A");
        assertThat(DictdReader.decode(F, "", DictdReader.encode(123_456_789L))).isEqualTo(123_456_789L);
        assertThat(DictdReader.decode(F, "", "Fz")).isEqualTo(5 * 64 + 51);
        for (boolean gzip : new boolean[] {false, true}) {
            byte[][] d = TextFixtures.dictd(gzip, TextFixtures.GCIDE_ABACUS, TextFixtures.GCIDE_NEWT, TextFixtures.GCIDE_PLAIN);
            List<DictdReader.Entry> entries = DictdReader.entries(Path.of("x.index"), d[0], Path.of("x.dict.dz"), d[1]);
            assertThat(entries).extracting(DictdReader.Entry::headword).containsExactly("Countinghouse", "Testnewt", "Plainword");
            List<TextExample> senses = GcideReader.senses(entries);
            assertThat(senses).extracting(TextExample::label).containsExactly("Law", "Zool", "Zool");
            assertThat(senses.get(0).text()).isEqualTo("The chamber where a court clerk keeps records; as, the countinghouse of the county.");
            assertThat(senses.get(1).text()).isEqualTo("(a) A burrow dug by a small rodent that stores seeds. (b) The store itself.");
            assertThat(senses.get(2).text()).isEqualTo("A small imaginary amphibian found only in unit tests.");
            assertThat(senses.get(2).group()).isEqualTo("testnewt");
        }
        byte[][] d = TextFixtures.dictd(false, TextFixtures.GCIDE_NEWT);
        byte[] shortData = Arrays.copyOf(d[1], d[1].length - 5);
        assertThatThrownBy(() -> DictdReader.entries(Path.of("x.index"), d[0], Path.of("x.dict"), shortData))
                .isInstanceOf(TextFormatException.class).hasMessageStartingWith("x.index: line 2: entry 'Testnewt' spans bytes");
        assertThatThrownBy(() -> DictdReader.entries(Path.of("x.index"), utf8("word\tA!\tB\n"), Path.of("x.dict"), d[1]))
                .hasMessage("x.index: line 1: 'A!' is not a dictd base-64 number");
    }

    @Test
    void foldocFirstDomain() {
        byte[][] d = TextFixtures.dictd(true, TextFixtures.FOLDOC_ENTRY, TextFixtures.FOLDOC_NOLABEL);
        List<TextExample> ex = FoldocReader.definitions(DictdReader.entries(F, d[0], F, d[1]));
        assertThat(ex).hasSize(1);
        assertThat(ex.get(0).label()).isEqualTo("language");
        assertThat(ex.get(0).text()).isEqualTo("(FL) A toy programming language whose only statement prints the word \"fixture\".");
    }

    @Test
    void debianPackagesJoinTranslationsBySourceAndSkipNonMain() {
        List<TextExample> ex = DebianPackagesReader.read(
                List.of(new DebianPackagesReader.IndexFile(Path.of("Packages"), utf8(TextFixtures.PACKAGES)),
                        new DebianPackagesReader.IndexFile(Path.of("Packages-security"), utf8(TextFixtures.PACKAGES))),
                List.of(new DebianPackagesReader.IndexFile(Path.of("Translation-en"), utf8(TextFixtures.TRANSLATION))));
        assertThat(ex).extracting(TextExample::label).containsExactly("games", "games", "math");
        assertThat(ex).extracting(TextExample::group).containsExactly("fixture-game", "fixture-game", "fixture-inline");
        assertThat(ex.get(0).text()).isEqualTo("a puzzle about sorting socks. Match every sock with its partner before the dryer "
                + "eats one. Includes twelve levels.");
        assertThat(ex.get(2).text()).isEqualTo("adds numbers. a long description kept inline second paragraph");
        List<Map<String, String>> p = DebianPackagesReader.paragraphs(F, utf8(TextFixtures.PACKAGES), null);
        assertThat(p).hasSize(4);
        assertThat(p.get(0).get("Depends")).isEqualTo("libc6 (>= 2.34),\nlibsock1");
        assertThatThrownBy(() -> DebianPackagesReader.paragraphs(F, utf8("Package: a\nnot a field\n"), null))
                .isInstanceOf(TextFormatException.class).hasMessage("fixture: line 2: expected 'Field: value', got 'not a field'");
        assertThatThrownBy(() -> DebianPackagesReader.paragraphs(F, utf8(" continued\n"), null))
                .hasMessage("fixture: line 1: continuation line outside a field");
        assertThatThrownBy(() -> DebianPackagesReader.read(List.of(new DebianPackagesReader.IndexFile(F, utf8("Section: games\n"))), List.of()))
                .hasMessage("fixture: paragraph 1: no Package field");
    }

    @Test
    void brownCategoriesSentencesAndChunks() {
        assertThat(BrownReader.categories(F, utf8(TextFixtures.BROWN_CATS))).containsExactly(
                Map.entry("ca01", "news"), Map.entry("cp01", "romance"));
        List<String> s = BrownReader.sentences(F, utf8(TextFixtures.BROWN_DOC));
        assertThat(s).containsExactly("The fixture said \" hello \".", "It wasn't late, and (nobody) minded.", "A third line.",
                "A fourth one.");
        List<TextExample> chunks = BrownReader.chunks("cp01", "romance", s);
        assertThat(chunks).hasSize(1);
        assertThat(chunks.get(0).label()).isEqualTo("genre-fiction");
        assertThat(chunks.get(0).group()).isEqualTo("cp01");
        assertThatThrownBy(() -> BrownReader.sentences(F, utf8("\tword/nn notagged\n")))
                .isInstanceOf(TextFormatException.class).hasMessage("fixture: line 1: token 'notagged' is not word/tag");
        assertThatThrownBy(() -> BrownReader.categories(F, utf8("ca01 poetry\n"))).hasMessageContaining("unknown Brown category 'poetry'");
    }

    @Test
    void kjvVersesBySectionAndChapter() {
        List<TextExample> v = KjvReader.verses(F, utf8(TextFixtures.KJV));
        assertThat(v).extracting(TextExample::label).containsExactly("law", "law", "general-epistles-revelation");
        assertThat(v).extracting(TextExample::group).containsExactly("Genesis 1", "Genesis 1", "Revelation 22");
        assertThat(v.get(0).text()).isEqualTo("In the first fixture the tester wrote a verse.");
        assertThat(KjvReader.SECTIONS.values().stream().mapToInt(List::size).sum()).isEqualTo(66);
        assertThatThrownBy(() -> KjvReader.verses(F, utf8("Tobit 1\n  1 apocrypha\n")))
                .isInstanceOf(TextFormatException.class).hasMessageContaining("line 1: expected 'Book chapter' with one of the 66 books");
        assertThatThrownBy(() -> KjvReader.verses(F, utf8("  1 orphan verse\n"))).hasMessage("fixture: line 1: a verse before any 'Book chapter' line");
    }

    @Test
    void rLazyLoadDatabaseOfCharacterVectors() {
        byte[][] db = TextFixtures.lazyLoad();
        Map<String, long[]> index = JaneAustenReader.index(Path.of("Rdata.rdx"), db[0]);
        assertThat(index.keySet()).containsExactly("firstnovel", "secondnovel");
        Map<String, String[]> novels = JaneAustenReader.novels(Path.of("Rdata.rdx"), db[0], Path.of("Rdata.rdb"), db[1]);
        assertThat(novels.get("firstnovel")).hasSize(16).startsWith("A TEST NOVEL", "", "CHAPTER I");
        assertThat(novels.get("secondnovel")).containsExactly("ANOTHER", "Chapter 1", "", null, "");
        List<TextExample> p = JaneAustenReader.passages("firstnovel", novels.get("firstnovel"));
        assertThat(p).hasSize(1); // the two paragraphs of chapter I together pass 40 words; "Short." does not
        assertThat(p.get(0).group()).isEqualTo("firstnovel/1");
        assertThat(p.get(0).text()).startsWith("The fixture began on a grey morning, when the tester").endsWith("at all.");
        // a broken entry: the length header disagrees with the zlib stream
        byte[] rdb = db[1].clone();
        rdb[3] ^= 1;
        assertThatThrownBy(() -> JaneAustenReader.novels(Path.of("Rdata.rdx"), db[0], Path.of("Rdata.rdb"), rdb))
                .isInstanceOf(TextFormatException.class).hasMessageStartingWith("Rdata.rdb: entry at byte 0: inflates to");
        assertThatThrownBy(() -> RSerialization.unserialize(F, utf8("A\nascii")))
                .hasMessage("fixture: byte 0: not an R XDR serialization (no 'X\\n' header)");
        byte[] env = new TextFixtures.Xdr().header().i(4).i(0).bytes();
        assertThatThrownBy(() -> RSerialization.unserialize(F, env)).hasMessageContaining("SEXP type 4 is not supported");
    }

    @Test
    void spamAssassinSubjectAndFirstTextPart() {
        TextExample spam = SpamAssassinReader.read(F, utf8(TextFixtures.SPAM_JSON));
        assertThat(spam.label()).isEqualTo("spam");
        assertThat(spam.group()).isEqualTo("abc123");
        assertThat(spam.text()).isEqualTo("Café deals for you Cheap socks & tea");
        TextExample ham = SpamAssassinReader.read(F, utf8(TextFixtures.HAM_JSON));
        assertThat(ham.label()).isEqualTo("ham");
        assertThat(ham.text()).isEqualTo("Re: the build The build is green.");
        assertThatThrownBy(() -> SpamAssassinReader.read(F, utf8("{\"group\": \"spam-1\"}")))
                .isInstanceOf(TextFormatException.class).hasMessage("fixture: top level: no string field 'text'");
        assertThatThrownBy(() -> SpamAssassinReader.read(F, utf8("{\"group\": "))).isInstanceOf(TextFormatException.class)
                .hasMessageStartingWith("fixture: line 1 column");
    }

    /** The real janeaustenr database: the six novels, as the R package's own austen_books() lists them. */
    @Test
    void realJaneAustenNovels() {
        DataDirectory dir = TestData.require(Source.AUSTEN);
        Path folder = dir.locate(Source.AUSTEN);
        Map<String, String[]> novels = JaneAustenReader.novels(folder.resolve("Rdata.rdx"), TextFiles.read(folder.resolve("Rdata.rdx")),
                folder.resolve("Rdata.rdb"), TextFiles.read(folder.resolve("Rdata.rdb")));
        assertThat(novels.keySet()).containsExactly("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice",
                "sensesensibility");
        System.out.println("janeaustenr lines per novel: " + novels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().length).toList()
                + ", total " + novels.values().stream().mapToInt(a -> a.length).sum());
        assertThat(novels.get("emma")[0]).isEqualTo("EMMA");
        assertThat(novels.get("prideprejudice")[0]).isEqualTo("PRIDE AND PREJUDICE");
        assertThat(novels.get("sensesensibility")[0]).isEqualTo("SENSE AND SENSIBILITY");
        // austen_books() in janeaustenr has 73,422 lines
        assertThat(novels.values().stream().mapToInt(a -> a.length).sum()).isEqualTo(73_422);
    }
}
