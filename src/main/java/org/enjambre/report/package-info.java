/**
 * How peer nodes report to the cluster without being members of it: the schema of the state
 * messages ({@link org.enjambre.report.StateSchema}, docs/state.md), the member side that lets a
 * peer publish its own state and nothing else ({@link org.enjambre.report.ReportBridge}), and the
 * peer side ({@link org.enjambre.report.ReportClient}). Uses Vert.x only; the node room composes it.
 */
package org.enjambre.report;
