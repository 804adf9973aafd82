import Foundation
import Recipe

/// `artifacts/<recipe>/report.ipynb`: the run as a Jupyter notebook (nbformat 4.5), one
/// markdown cell per recipe cell with its parameters, ran/cached, time and summary, after a
/// first cell with the recipe's name, root digest and date. Markdown only: it opens in
/// Jupyter without a kernel and never executes anything.
public enum NotebookReport {
    public static func render(recipe: Recipe, manifest: Manifest) -> String {
        let p = manifest.predicate
        let ran = p.cells.filter { $0.status == .ran }.count
        var head = "# \(recipe.name)\n\n"
        if !recipe.description.isEmpty { head += recipe.description + "\n\n" }
        head += "- root digest: `\(p.rootDigest)`\n"
        head += "- run: \(p.run.started) → \(p.run.finished)"
        if let from = p.run.from { head += " (`--from \(from)`)" }
        head += "\n- \(ran) ran, \(p.cells.count - ran) cached · cellar \(p.environment.cellarVersion)\n"
        var cells = [markdownCell(id: "recipe", source: head)]
        for (n, record) in p.cells.enumerated() {
            var text = "## [\(n + 1)/\(p.cells.count)] \(record.id) · \(record.kind)\n\n"
            text += record.status == .ran ? "**ran** in \(String(format: "%.2f", record.seconds)) s" : "**cached**"
            text += " · outputs `\(record.outputs.digest.description.prefix(12))`"
            if let same = record.byteIdentical { text += same ? " · byte-identical to before" : " · **differs** from before" }
            text += "\n"
            let spec = recipe.cells.first { $0.id == record.id }
            let keys = spec?.parameters.keys ?? record.parameters.keys.sorted()
            if !keys.isEmpty {
                text += "\n```toml\n"
                for key in keys {
                    let value = spec?.parameters[key].map { JSONValue($0.value) } ?? record.parameters[key] ?? .null
                    text += "\(key) = \(value.canonical)\n"
                }
                text += "```\n"
            }
            if !record.summary.isEmpty {
                text += "\n```text\n" + record.summary.joined(separator: "\n") + "\n```\n"
            }
            cells.append(markdownCell(id: cellID(n, record.id), source: text))
        }
        let notebook = JSONValue.object([
            "cells": .array(cells),
            "metadata": .object(["cellar": .object(["recipe": .string(recipe.name), "root_digest": .string(p.rootDigest.description)])]),
            "nbformat": .int(4),
            "nbformat_minor": .int(5),
        ])
        return notebook.pretty
    }

    /// nbformat 4.5 cell ids: 1–64 characters of [A-Za-z0-9_-], unique in the notebook.
    static func cellID(_ index: Int, _ name: String) -> String {
        let safe = String(name.unicodeScalars.map { s -> Character in
            (s.isASCII && (CharacterSet.alphanumerics.contains(s) || s == "_" || s == "-")) ? Character(s) : "_"
        })
        return String("cell-\(index + 1)-\(safe)".prefix(64))
    }

    /// Jupyter stores source as a list of lines, each keeping its newline.
    static func markdownCell(id: String, source: String) -> JSONValue {
        var lines: [JSONValue] = []
        var current = ""
        for c in source {
            current.append(c)
            if c == "\n" { lines.append(.string(current)); current = "" }
        }
        if !current.isEmpty { lines.append(.string(current)) }
        return .object(["cell_type": .string("markdown"), "id": .string(id), "metadata": .object([:]), "source": .array(lines)])
    }
}
