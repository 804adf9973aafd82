import CellKit

/// Every cell kind a recipe may name. One line per kind; each kind lives in its own file.
public let allCellKinds: [any Cell.Type] = [
    InstallCell.self,
    ImportCell.self,
    QuantizeCell.self,
    LoadCell.self,
    PromptCell.self,
    WriteCell.self,
    EvalCell.self,
    MergeCell.self,
    ChooseCell.self,
    GenerateCell.self,
]

public let cellRegistry = CellRegistry(allCellKinds)
