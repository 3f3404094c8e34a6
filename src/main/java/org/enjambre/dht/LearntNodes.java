package org.enjambre.dht;

import java.util.List;
import org.enjambre.net.AddressScope;
import org.enjambre.net.PeerAddress;

/**
 * Which of the nodes another node names in an answer ({@code nodes}, {@code nodes6}) a lookup may
 * go on to ask, and so which may reach our routing table (a node enters it only by answering us).
 * A node on the internet must not steer our queries into our own network: the scope rule is the
 * one PEX uses ({@link AddressScope#mayName}), judged from the address the answer came from. Our
 * own id (an echo, or someone posing as us) is dropped too; port 0 never gets this far (the codec
 * skips it, and {@link PeerAddress} refuses it). Pure.
 */
public final class LearntNodes {
    private LearntNodes() {
    }

    /** Why {@code learnt}, named by the node at {@code from}, is not asked; null when it may be. */
    public static String refusal(NodeInfo learnt, PeerAddress from, NodeId own) {
        if (learnt.id().equals(own)) {
            return "our own id";
        }
        AddressScope fromScope = from.ip().map(AddressScope::of).orElse(AddressScope.PUBLIC);
        AddressScope scope = learnt.address().ip().map(AddressScope::of).orElse(AddressScope.UNSPECIFIED);
        if (!fromScope.mayName(scope)) {
            return scope.description() + " named by " + fromScope.description();
        }
        return null;
    }

    /** The nodes of an answer from {@code from} that may be asked, in their order. */
    public static List<NodeInfo> admissible(List<NodeInfo> learnt, PeerAddress from, NodeId own) {
        return learnt.stream().filter(n -> refusal(n, from, own) == null).toList();
    }
}
