package io.imagegate.agent.snapshot;

import io.imagegate.agent.image.LayeredDisk;
import java.io.IOException;

/** Turns frozen overlay layers over their base version into a new version of the object. */
public interface Committer {

    Committed commit(LayeredDisk.Frozen frozen) throws IOException;
}
