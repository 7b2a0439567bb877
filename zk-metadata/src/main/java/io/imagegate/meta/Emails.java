package io.imagegate.meta;

import java.util.regex.Pattern;

/** What a user's e-mail address may be: one address, {@code local@domain}, at most 254 characters. */
final class Emails {

    private static final Pattern ADDRESS = Pattern.compile("[^@\\s,\"<>]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");

    private Emails() {}

    static boolean valid(String address) {
        return address.length() <= 254 && ADDRESS.matcher(address).matches();
    }
}
