package io.imagegate.gateway.auth;

/**
 * A request written the way the SigV4 test suite's .req files are: request line, "Name:value"
 * header lines (an indented line continues the previous header as another value), blank line, body.
 */
record RawRequest(String method, String path, String query, RequestHeaders headers, String body) {

    static RawRequest parse(String text) {
        int blank = text.indexOf("\n\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        String body = blank < 0 ? "" : text.substring(blank + 2);
        String[] lines = head.split("\n");
        String[] requestLine = lines[0].split(" ");
        String method = requestLine[0];
        // The target may contain spaces (get-space); it runs up to the protocol.
        String target = lines[0].substring(method.length() + 1, lines[0].lastIndexOf(" HTTP/"));
        int q = target.indexOf('?');
        RequestHeaders.Builder headers = RequestHeaders.builder();
        String previous = null;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith(" ") || line.startsWith("\t")) {
                headers.add(previous, line.trim());
                continue;
            }
            int colon = line.indexOf(':');
            previous = line.substring(0, colon);
            headers.add(previous, line.substring(colon + 1));
        }
        return new RawRequest(method, q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1),
                headers.build(), body);
    }
}
